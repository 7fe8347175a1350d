using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace Clustron.Dkv.Tests.Infrastructure
{
    /// <summary>
    /// What the module must not contain so that it parses and runs on Windows PowerShell 5.1 and in a bare engine
    /// (Microsoft.PowerShell.Core only): PowerShell-7-only syntax, commands of Microsoft.PowerShell.Utility or
    /// .Management (names and built-in aliases), and .NET Core-only APIs outside an edition guard.
    /// </summary>
    public static class PortabilityRules
    {
        /// <summary>Cmdlets of Microsoft.PowerShell.Utility (7.x and 5.1).</summary>
        public static readonly string[] UtilityCmdlets =
        {
            "Add-Member", "Add-Type", "Clear-Variable", "Compare-Object", "ConvertFrom-CliXml", "ConvertFrom-Csv",
            "ConvertFrom-Json", "ConvertFrom-Markdown", "ConvertFrom-SddlString", "ConvertFrom-String", "ConvertFrom-StringData",
            "Convert-String", "ConvertTo-CliXml", "ConvertTo-Csv", "ConvertTo-Html", "ConvertTo-Json", "ConvertTo-Xml", "Debug-Runspace",
            "Disable-PSBreakpoint", "Disable-RunspaceDebug", "Enable-PSBreakpoint", "Enable-RunspaceDebug", "Export-Alias",
            "Export-Clixml", "Export-Csv", "Export-FormatData", "Export-PSSession", "Format-Custom", "Format-Hex", "Format-List",
            "Format-Table", "Format-Wide", "Get-Alias", "Get-Culture", "Get-Date", "Get-Error", "Get-Event", "Get-EventSubscriber",
            "Get-FileHash", "Get-FormatData", "Get-Host", "Get-MarkdownOption", "Get-Member", "Get-PSBreakpoint", "Get-PSCallStack",
            "Get-Random", "Get-Runspace", "Get-RunspaceDebug", "Get-SecureRandom", "Get-TraceSource", "Get-TypeData", "Get-UICulture",
            "Get-Unique", "Get-Uptime", "Get-Variable", "Group-Object", "Import-Alias", "Import-Clixml", "Import-Csv",
            "Import-LocalizedData", "Import-PowerShellDataFile", "Import-PSSession", "Invoke-Expression", "Invoke-RestMethod",
            "Invoke-WebRequest", "Join-String", "Measure-Command", "Measure-Object", "New-Alias", "New-Event", "New-Guid",
            "New-Object", "New-TemporaryFile", "New-TimeSpan", "New-Variable", "Out-File", "Out-GridView", "Out-Printer",
            "Out-String", "Read-Host", "Register-EngineEvent", "Register-ObjectEvent", "Remove-Alias", "Remove-Event",
            "Remove-PSBreakpoint", "Remove-TypeData", "Remove-Variable", "Select-Object", "Select-String", "Select-Xml",
            "Send-MailMessage", "Set-Alias", "Set-Date", "Set-MarkdownOption", "Set-PSBreakpoint", "Set-TraceSource", "Set-Variable",
            "Show-Command", "Show-Markdown", "Sort-Object", "Start-Sleep", "Tee-Object", "Test-Json", "Trace-Command", "Unblock-File",
            "Unregister-Event", "Update-FormatData", "Update-List", "Update-TypeData", "Wait-Debugger", "Wait-Event", "Write-Debug",
            "Write-Error", "Write-Host", "Write-Information", "Write-Output", "Write-Progress", "Write-Verbose", "Write-Warning",
        };

        /// <summary>Cmdlets of Microsoft.PowerShell.Management (7.x and 5.1).</summary>
        public static readonly string[] ManagementCmdlets =
        {
            "Add-Computer", "Add-Content", "Checkpoint-Computer", "Clear-Content", "Clear-EventLog", "Clear-Item", "Clear-ItemProperty",
            "Clear-RecycleBin", "Complete-Transaction", "Convert-Path", "Copy-Item", "Copy-ItemProperty", "Debug-Process",
            "Disable-ComputerRestore", "Enable-ComputerRestore", "Get-ChildItem", "Get-Clipboard", "Get-ComputerInfo",
            "Get-ComputerRestorePoint", "Get-Content", "Get-ControlPanelItem", "Get-EventLog", "Get-HotFix", "Get-Item",
            "Get-ItemProperty", "Get-ItemPropertyValue", "Get-Location", "Get-Process", "Get-PSDrive", "Get-PSProvider", "Get-Service",
            "Get-TimeZone", "Get-Transaction", "Get-WmiObject", "Invoke-Item", "Invoke-WmiMethod", "Join-Path", "Limit-EventLog",
            "Move-Item", "Move-ItemProperty", "New-EventLog", "New-Item", "New-ItemProperty", "New-PSDrive", "New-Service",
            "New-WebServiceProxy", "Pop-Location", "Push-Location", "Register-WmiEvent", "Remove-Computer", "Remove-EventLog",
            "Remove-Item", "Remove-ItemProperty", "Remove-PSDrive", "Remove-Service", "Remove-WmiObject", "Rename-Computer",
            "Rename-Item", "Rename-ItemProperty", "Reset-ComputerMachinePassword", "Resolve-Path", "Restart-Computer",
            "Restart-Service", "Restore-Computer", "Resume-Service", "Set-Clipboard", "Set-Content", "Set-Item", "Set-ItemProperty",
            "Set-Location", "Set-Service", "Set-TimeZone", "Set-WmiInstance", "Show-ControlPanelItem", "Show-EventLog", "Split-Path",
            "Start-Process", "Start-Service", "Start-Transaction", "Stop-Computer", "Stop-Process", "Stop-Service", "Suspend-Service",
            "Test-ComputerSecureChannel", "Test-Connection", "Test-Path", "Undo-Transaction", "Use-Transaction", "Wait-Process",
            "Write-EventLog",
        };

        /// <summary>
        /// Built-in aliases (7.x and 5.1) of those cmdlets, plus the Core functions that only wrap them (mkdir, md call
        /// New-Item; more pipes through Out-Host -Paging on 5.1 but needs nothing here, so it is not listed).
        /// </summary>
        public static readonly string[] AliasesOfThoseCmdlets =
        {
            // Utility
            "clv", "compare", "diff", "echo", "epal", "epcsv", "epsn", "fc", "fhx", "fl", "ft", "fw", "gal", "gbp", "gcs", "gm", "group",
            "gv", "iex", "ipal", "ipcsv", "ipsn", "irm", "iwr", "curl", "wget", "measure", "nal", "nv", "ogv", "rbp", "rv", "sal", "sbp",
            "dbp", "ebp", "select", "set", "shcm", "sleep", "sls", "sort", "sv", "tee", "write",
            // Management
            "ac", "cat", "cd", "chdir", "clc", "cli", "clp", "copy", "cp", "cpi", "cpp", "cvpa", "del", "dir", "erase", "gc", "gcb",
            "gci", "gdr", "gi", "gin", "gl", "gp", "gps", "gpv", "gsv", "gtz", "gwmi", "ii", "kill", "ls", "mi", "mount", "move", "mp",
            "mv", "ndr", "ni", "popd", "ps", "pushd", "pwd", "rd", "rdr", "ren", "ri", "rm", "rmdir", "rni", "rnp", "rp", "rvpa",
            "sasv", "saps", "sc", "scb", "si", "sl", "sp", "spps", "spsv", "start",
            // Core functions that call Management cmdlets
            "mkdir", "md",
        };

        private static readonly HashSet<string> ForbiddenCommands = new HashSet<string>(
            UtilityCmdlets.Concat(ManagementCmdlets).Concat(AliasesOfThoseCmdlets), StringComparer.OrdinalIgnoreCase);

        /// <summary>.NET (Core)-only APIs: absent on .NET Framework, so only behind an edition check.</summary>
        private static readonly string[] CoreOnlyApis = { "NativeLibrary", "PtrToStringUTF8", "StringToCoTaskMemUTF8" };

        private static readonly Regex EditionGuard = new Regex(@"PSEdition|IsCoreCLR|PSVersion\.Major", RegexOptions.IgnoreCase);

        public static IReadOnlyList<string> ParseErrors(string path)
        {
            Parser.ParseFile(path, out _, out ParseError[] errors);
            return errors.Select(e => $"{path}:{e.Extent.StartLineNumber}: {e.Message}").ToList();
        }

        /// <summary>Every violation in a parsed script, as "file:line: what".</summary>
        public static List<string> Violations(ScriptBlockAst ast, string name)
        {
            var found = new List<string>();
            void Add(Ast node, string what) => found.Add($"{name}:{node.Extent.StartLineNumber}: {what}: {Short(node.Extent.Text)}");

            if (ast.CleanBlock != null) { Add(ast.CleanBlock, "clean block (PowerShell 7.3+)"); }
            foreach (Ast node in ast.FindAll(_ => true, searchNestedScriptBlocks: true))
            {
                switch (node)
                {
                    case TernaryExpressionAst _:
                        Add(node, "ternary ?: (PowerShell 7+)");
                        break;
                    case PipelineChainAst _:
                        Add(node, "pipeline chain && / || (PowerShell 7+)");
                        break;
                    case BinaryExpressionAst binary when binary.Operator == TokenKind.QuestionQuestion:
                        Add(node, "?? (PowerShell 7+)");
                        break;
                    case AssignmentStatementAst assignment when assignment.Operator == TokenKind.QuestionQuestionEquals:
                        Add(node, "??= (PowerShell 7+)");
                        break;
                    case MemberExpressionAst member when member.NullConditional:
                        Add(node, "?. (PowerShell 7+)");
                        break;
                    case IndexExpressionAst index when index.NullConditional:
                        Add(node, "?[ (PowerShell 7+)");
                        break;
                    case ScriptBlockAst block when block != ast && block.CleanBlock != null:
                        Add(block.CleanBlock, "clean block (PowerShell 7.3+)");
                        break;
                    case PipelineAst pipeline when pipeline.Background:
                        Add(node, "background operator & (PowerShell 6+)");
                        break;
                    case CommandAst command:
                        CheckCommand(command, Add);
                        break;
                }
            }
            CheckCoreOnlyApis(ast, Add);
            return found;
        }

        private static void CheckCommand(CommandAst command, Action<Ast, string> add)
        {
            string? commandName = command.GetCommandName();
            if (commandName == null) { return; }
            string bare = commandName.Contains('\\') ? commandName.Substring(commandName.LastIndexOf('\\') + 1) : commandName;
            if (ForbiddenCommands.Contains(bare) || commandName.StartsWith("Microsoft.PowerShell.Utility\\", StringComparison.OrdinalIgnoreCase) ||
                commandName.StartsWith("Microsoft.PowerShell.Management\\", StringComparison.OrdinalIgnoreCase))
            {
                add(command, $"'{commandName}' is not in Microsoft.PowerShell.Core (a bare engine lacks it)");
            }
            if ((bare.Equals("ForEach-Object", StringComparison.OrdinalIgnoreCase) || bare == "%" || bare.Equals("foreach", StringComparison.OrdinalIgnoreCase)) &&
                command.CommandElements.OfType<CommandParameterAst>().Any(p => "parallel".StartsWith(p.ParameterName, StringComparison.OrdinalIgnoreCase) && p.ParameterName.Length >= 2))
            {
                add(command, "ForEach-Object -Parallel (PowerShell 7+)");
            }
        }

        /// <summary>
        /// A use of a Core-only API is allowed only inside an if/elseif/else whose conditions test the edition, or
        /// as a type looked up by name ('…NativeLibrary' -as [type], $null on .NET Framework) whose every use is
        /// inside an if that tests that variable.
        /// </summary>
        private static void CheckCoreOnlyApis(ScriptBlockAst ast, Action<Ast, string> add)
        {
            var lookedUp = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (Ast node in ast.FindAll(_ => true, true))
            {
                string? api = null;
                switch (node)
                {
                    case TypeExpressionAst type:
                        api = CoreOnlyApi(type.TypeName.FullName);
                        break;
                    case TypeConstraintAst constraint:
                        api = CoreOnlyApi(constraint.TypeName.FullName);
                        break;
                    case MemberExpressionAst member when member.Member is StringConstantExpressionAst memberName:
                        api = CoreOnlyApi(memberName.Value);
                        break;
                    case StringConstantExpressionAst text when CoreOnlyApi(text.Value) != null && !(text.Parent is MemberExpressionAst):
                        if (text.Parent is BinaryExpressionAst binary && binary.Operator == TokenKind.As && binary.Left == text)
                        {
                            if (binary.Parent?.Parent is AssignmentStatementAst assignment && assignment.Left is VariableExpressionAst variable)
                            {
                                lookedUp.Add(variable.VariablePath.UserPath);
                            }
                            continue; // A lookup by name cannot fail on .NET Framework.
                        }
                        api = CoreOnlyApi(text.Value);
                        break;
                }
                if (api != null && !IsGuarded(node, EditionGuard))
                {
                    add(node, $"{api} (.NET Core only) outside an edition check");
                }
            }
            foreach (string variable in lookedUp)
            {
                var usedAsType = new Regex(@"\$" + Regex.Escape(variable) + @"\b", RegexOptions.IgnoreCase);
                foreach (Ast node in ast.FindAll(n => n is MemberExpressionAst m && m.Expression is VariableExpressionAst v &&
                    v.VariablePath.UserPath.Equals(variable, StringComparison.OrdinalIgnoreCase), true))
                {
                    if (!IsGuarded(node, usedAsType) && !IsGuarded(node, EditionGuard))
                    {
                        add(node, $"${variable} (a Core-only type looked up by name, $null on .NET Framework) used outside an if that tests it");
                    }
                }
            }
        }

        private static string? CoreOnlyApi(string text)
        {
            foreach (string api in CoreOnlyApis)
            {
                if (text.Equals(api, StringComparison.OrdinalIgnoreCase) || text.EndsWith("." + api, StringComparison.OrdinalIgnoreCase)) { return api; }
            }
            return null;
        }

        /// <summary>True when the node is in the body of an if/elseif clause of an if whose conditions match.</summary>
        private static bool IsGuarded(Ast node, Regex condition)
        {
            for (Ast? child = node, parent = node.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                if (!(parent is IfStatementAst ifStatement)) { continue; }
                bool anyConditionMatches = ifStatement.Clauses.Any(c => condition.IsMatch(c.Item1.Extent.Text));
                if (!anyConditionMatches) { continue; }
                if (ifStatement.Clauses.Any(c => c.Item2 == child)) { return true; }
                // else of "if (<edition> -eq 'Desktop')" is the Core branch; the else of any other test is not known to be.
                if (ifStatement.ElseClause == child &&
                    ifStatement.Clauses.Any(c => c.Item1.Extent.Text.IndexOf("Desktop", StringComparison.OrdinalIgnoreCase) >= 0))
                {
                    return true;
                }
            }
            return false;
        }

        private static string Short(string text)
        {
            string oneLine = text.Replace("\r", " ").Replace("\n", " ");
            return oneLine.Length > 80 ? oneLine.Substring(0, 80) + "…" : oneLine;
        }
    }
}
