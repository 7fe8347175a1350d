using System;
using System.Management.Automation.Host;

namespace Clustron.Dkv.Shell.Hosting
{
    /// <summary>
    /// The raw console as far as the formatter needs it: a buffer width (table layout depends on it) and colours.
    /// Screen-buffer operations are not supported: this host writes a stream of lines, it does not paint.
    /// </summary>
    public class DkvRawUserInterface : PSHostRawUserInterface
    {
        private readonly int? fixedWidth;

        /// <param name="fixedWidth">A fixed width (recordings must not depend on the terminal); null follows the console.</param>
        public DkvRawUserInterface(int? fixedWidth = null)
        {
            this.fixedWidth = fixedWidth;
        }

        public int Width
        {
            get
            {
                if (fixedWidth.HasValue) { return fixedWidth.Value; }
                try
                {
                    if (!Console.IsOutputRedirected && Console.WindowWidth > 0) { return Console.WindowWidth; }
                }
                catch (System.IO.IOException)
                {
                    // No terminal after all: use the classic width.
                }
                return 120;
            }
        }

        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override Size BufferSize { get => new Size(Width, 9001); set { } }
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; } = 25;
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new Size(Width, 50);
        public override Size MaxWindowSize => new Size(Width, 50);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get => new Size(Width, 50); set { } }
        public override string WindowTitle { get; set; } = "DkvShell";

        public override void FlushInputBuffer() { }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) =>
            throw new NotSupportedException("DkvShell does not keep a screen buffer.");

        public override KeyInfo ReadKey(ReadKeyOptions options) =>
            throw new NotSupportedException("DkvShell reads whole lines only.");

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
            throw new NotSupportedException("DkvShell does not keep a screen buffer.");

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) =>
            throw new NotSupportedException("DkvShell does not keep a screen buffer.");

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) =>
            throw new NotSupportedException("DkvShell does not keep a screen buffer.");
    }
}
