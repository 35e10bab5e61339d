using Uft.Data;

namespace Uft.Tests.Method;

public class SourceReplayTests
{
    static readonly List<ImageItem> Source = Enumerable.Range(0, 50).Select(i => new ImageItem($"/src/c{i % 5}/img{i:D2}.jpg", i % 5)).ToList();

    [Fact]
    public void FractionGivesTheRoundedUpShareTaggedAsSource()
    {
        var r = SourceReplay.Sample(Source, seed: 1);
        Assert.Equal(5, r.Items.Count);                                   // 0.1 * 50
        Assert.Equal(13, SourceReplay.Sample(Source, 1, fraction: 0.25).Items.Count); // ceil(12.5)
        Assert.Equal(7, SourceReplay.Sample(Source, 1, count: 7).Items.Count);
        Assert.All(r.Items, i => Assert.Equal(1, i.Source));
        Assert.Equal(r.Items.Count, r.Items.Select(i => i.Path).Distinct().Count());
        Assert.All(r.Items, i => Assert.Contains(Source, s => s.Path == i.Path && s.Label == i.Label));
    }

    [Fact]
    public void SameSeedSameSubsetOtherSeedOtherSubset()
    {
        var a = SourceReplay.Sample(Source, 11).Items.Select(i => i.Path).ToList();
        Assert.Equal(a, SourceReplay.Sample(Source, 11).Items.Select(i => i.Path));
        Assert.NotEqual(a, SourceReplay.Sample(Source, 12).Items.Select(i => i.Path));
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(0)]
    [InlineData(double.NaN)]
    public void FractionOutsideZeroOneIsAUsageErrorNamingTheOption(double fraction)
    {
        var e = Assert.Throws<UftException>(() => SourceReplay.Sample(Source, 1, fraction));
        Assert.True(e.IsUsage);
        Assert.Contains("--replay-fraction", e.Message);
        Assert.Contains("--replay-count", Assert.Throws<UftException>(() => SourceReplay.Sample(Source, 1, count: 51)).Message);
    }

    [Fact]
    public void ListRoundTripsThroughAFile()
    {
        var r = SourceReplay.Sample(Source, 4);
        string path = Path.Combine(Paths.TempDir(), "replay.txt");
        r.Save(path);
        Assert.Equal(r.Items.Select(i => i.Path), File.ReadAllLines(path));
        var back = SourceReplay.Load(path);
        Assert.Equal(r.Items.Select(i => i.Path), back.Items.Select(i => i.Path));
        Assert.All(back.Items, i => Assert.Equal(1, i.Source));
    }
}
