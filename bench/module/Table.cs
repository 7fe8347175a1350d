using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Clustron.Dkv.Bench
{
    /// <summary>The same plain layout as dkv-bench: first column left, the rest right-aligned.</summary>
    public sealed class Table
    {
        private readonly string[] headers;
        private readonly List<string[]> rows = new List<string[]>();

        public Table(params string[] headers)
        {
            this.headers = headers;
        }

        public void Row(params string[] cells) => rows.Add(cells);

        public string Render()
        {
            int[] widths = headers.Select(h => h.Length).ToArray();
            foreach (string[] row in rows)
            {
                for (int i = 0; i < Math.Min(row.Length, widths.Length); i++) { widths[i] = Math.Max(widths[i], row[i].Length); }
            }
            var text = new StringBuilder();
            void Line(string[] cells)
            {
                var line = new StringBuilder();
                for (int i = 0; i < widths.Length; i++)
                {
                    string cell = i < cells.Length ? cells[i] : "";
                    if (i > 0) { line.Append("  "); }
                    line.Append(i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]));
                }
                text.Append(line.ToString().TrimEnd()).Append('\n');
            }
            Line(headers);
            text.Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
            foreach (string[] row in rows) { Line(row); }
            return text.ToString();
        }
    }
}
