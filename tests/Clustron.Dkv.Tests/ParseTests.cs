using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using Clustron.Dkv.Tests.Infrastructure;
using Xunit;

namespace Clustron.Dkv.Tests
{
    /// <summary>The module's sources parse, and use nothing a bare engine or Windows PowerShell 5.1 lacks.</summary>
    public class ParseTests
    {
        public static IEnumerable<object[]> ModuleFiles() =>
            Directory.EnumerateFiles(Repo.ModuleSource, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".ps1") || f.EndsWith(".psm1") || f.EndsWith(".psd1"))
                .OrderBy(f => f, System.StringComparer.Ordinal)
                .Select(f => new object[] { Path.GetRelativePath(Repo.Root, f) });

        [Fact]
        public void The_module_has_its_manifest_root_module_and_public_functions()
        {
            var files = ModuleFiles().Select(o => (string)o[0]).ToList();
            Assert.Contains(Path.Combine("powershell", "Clustron.Dkv", "Clustron.Dkv.psd1"), files);
            Assert.Contains(Path.Combine("powershell", "Clustron.Dkv", "Clustron.Dkv.psm1"), files);
            foreach (string command in new[] { "Connect-DkvManager", "Disconnect-DkvManager", "Get-DkvStore", "Stop-DkvStore" })
            {
                Assert.Contains(Path.Combine("powershell", "Clustron.Dkv", "Public", command + ".ps1"), files);
            }
        }

        [Theory]
        [MemberData(nameof(ModuleFiles))]
        public void File_parses_without_errors(string relativePath)
        {
            IReadOnlyList<string> errors = PortabilityRules.ParseErrors(Path.Combine(Repo.Root, relativePath));
            Assert.True(errors.Count == 0, string.Join("\n", errors));
        }

        [Theory]
        [MemberData(nameof(ModuleFiles))]
        public void File_uses_only_portable_syntax_core_cmdlets_and_guarded_core_apis(string relativePath)
        {
            ScriptBlockAst ast = Parser.ParseFile(Path.Combine(Repo.Root, relativePath), out _, out _);
            List<string> violations = PortabilityRules.Violations(ast, relativePath);
            Assert.True(violations.Count == 0, string.Join("\n", violations));
        }

        [Theory]
        [InlineData("$a = $b ? 1 : 2", "ternary")]
        [InlineData("Test-One && Test-Two", "pipeline chain")]
        [InlineData("Test-One || Test-Two", "pipeline chain")]
        [InlineData("$a = $b ?? 1", "??")]
        [InlineData("$a ??= 1", "??=")]
        [InlineData("${a}?.Length", "?.")]
        [InlineData("${a}?[0]", "?[")]
        [InlineData("function f { process { } clean { } }", "clean block")]
        [InlineData("Start-Job { } &", "background")]
        [InlineData("Get-Date", "Get-Date")]
        [InlineData("$x | Select-Object -First 1", "Select-Object")]
        [InlineData("$x | Sort-Object", "Sort-Object")]
        [InlineData("$x = New-Object System.Text.StringBuilder", "New-Object")]
        [InlineData("Write-Verbose 'x'", "Write-Verbose")]
        [InlineData("echo hi", "'echo'")]
        [InlineData("write hi", "'write'")]
        [InlineData("sleep 1", "'sleep'")]
        [InlineData("$x | select Name", "'select'")]
        [InlineData("$x | measure", "'measure'")]
        [InlineData("Microsoft.PowerShell.Utility\\Write-Output 1", "Write-Output")]
        [InlineData("Join-Path a b", "Join-Path")]
        [InlineData("Test-Path $p", "Test-Path")]
        [InlineData("ls", "'ls'")]
        [InlineData("1..3 | ForEach-Object -Parallel { $_ }", "-Parallel")]
        [InlineData("[System.Runtime.InteropServices.NativeLibrary]::Load('x')", "NativeLibrary")]
        [InlineData("[System.Runtime.InteropServices.Marshal]::PtrToStringUTF8($p)", "PtrToStringUTF8")]
        [InlineData("if ($PSVersionTable.PSEdition -eq 'Core') { } else { [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }", "PtrToStringUTF8")]
        [InlineData("$n = 'System.Runtime.InteropServices.NativeLibrary' -as [type]; $null = $n::Load('x')", "used outside an if")]
        public void The_rules_catch(string script, string expected)
        {
            ScriptBlockAst ast = Parser.ParseInput(script, out _, out ParseError[] errors);
            Assert.Empty(errors);
            List<string> violations = PortabilityRules.Violations(ast, "snippet");
            Assert.Contains(violations, v => v.Contains(expected));
        }

        [Theory]
        [InlineData("if ($PSVersionTable.PSEdition -eq 'Core') { [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }")]
        [InlineData("if ($PSVersionTable.PSEdition -eq 'Desktop') { $s = 1 } else { [Runtime.InteropServices.Marshal]::PtrToStringUTF8($p) }")]
        [InlineData("$n = 'System.Runtime.InteropServices.NativeLibrary' -as [type]; if ($null -ne $n) { $null = $n::Load('x') }")]
        [InlineData("$x | Where-Object { $_ } | ForEach-Object { $_.Name }")]
        [InlineData("$x | % { $_ } | ? { $_ }")]
        [InlineData("Import-Module x; Get-Command; Get-Module; Register-ArgumentCompleter -CommandName a -ScriptBlock { }")]
        [InlineData("$sb = [System.Text.StringBuilder]::new(); $PSCmdlet.WriteVerbose('x'); $a = if ($b) { 1 } else { 2 }")]
        public void The_rules_accept(string script)
        {
            ScriptBlockAst ast = Parser.ParseInput(script, out _, out ParseError[] errors);
            Assert.Empty(errors);
            Assert.Empty(PortabilityRules.Violations(ast, "snippet"));
        }
    }
}
