using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Clustron.Dkv.Bench
{
    /// <summary>Timings in milliseconds; medians so one scheduler hiccup does not move a ratio.</summary>
    public sealed class Samples
    {
        private readonly List<double> sorted;

        public Samples(IEnumerable<double> ms)
        {
            sorted = ms.OrderBy(x => x).ToList();
        }

        public int Count => sorted.Count;
        public double Median => Percentile(50);
        public double Min => sorted.Count == 0 ? double.NaN : sorted[0];

        public double Percentile(double p)
        {
            if (sorted.Count == 0) { return double.NaN; }
            double rank = Math.Clamp(p / 100.0, 0, 1) * (sorted.Count - 1);
            int low = (int)Math.Floor(rank);
            int high = (int)Math.Ceiling(rank);
            double weight = rank - low;
            return sorted[low] * (1 - weight) + sorted[high] * weight;
        }

        public static string Ms(double value)
        {
            if (double.IsNaN(value)) { return "-"; }
            string format = value >= 100 ? "F0" : value >= 10 ? "F1" : "F2";
            return value.ToString(format, CultureInfo.InvariantCulture);
        }
    }
}
