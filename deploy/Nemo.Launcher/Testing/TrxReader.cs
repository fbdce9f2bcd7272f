using System.Xml;
using System.Xml.Linq;

namespace Nemo.Launcher.Testing;

/// <summary>
/// Sums <c>TestRun/ResultSummary/Counters</c> over TRX files (one per test project).
/// Errored, timed-out and aborted results count as failed. Skipped tests: xunit's adapter leaves
/// <c>notExecuted</c> at 0 and only lowers <c>executed</c>, so skipped = total − executed when
/// <c>notExecuted</c> is 0.
/// </summary>
internal static class TrxReader
{
    public static TestCounts Summarize(IEnumerable<string> trxFiles) =>
        trxFiles.Select(Read).Aggregate(TestCounts.None, (sum, counts) => sum.Add(counts));

    public static TestCounts Read(string trxFile)
    {
        try
        {
            var counters = XDocument.Load(trxFile).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters");
            if (counters is null)
            {
                return TestCounts.None;
            }

            int Count(string name) => int.TryParse(counters.Attribute(name)?.Value, out var value) ? value : 0;
            return new TestCounts(
                Total: Count("total"),
                Passed: Count("passed"),
                Failed: Count("failed") + Count("error") + Count("timeout") + Count("aborted"),
                Skipped: Count("notExecuted") > 0 ? Count("notExecuted") : Math.Max(0, Count("total") - Count("executed")));
        }
        catch (XmlException)
        {
            Console.Error.WriteLine($"nemo: {trxFile} is not a readable TRX file; ignored");
            return TestCounts.None;
        }
    }
}
