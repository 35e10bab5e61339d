using Uft.Data;
using Uft.Evaluation;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

public class RetrievalSampleTests
{
    /// <summary>Classes a, b, c with img0..img4 each, listed in the given order under root.</summary>
    static List<ImageItem> Items(string root, bool reversed = false)
    {
        var items = "abc".SelectMany((c, label) => Enumerable.Range(0, 5).Select(i => new ImageItem(Path.Combine(root, c.ToString(), $"img{i}.jpg"), label))).ToList();
        if (reversed) items.Reverse();
        return items;
    }

    static string[] Chosen(List<ImageItem> items, string root, int count, int seed) =>
        RetrievalSample.ChooseQueries(items, root, count, seed).Select(i => Path.GetRelativePath(root, items[i].Path).Replace('\\', '/')).ToArray();

    [Fact]
    public void QueriesFollowASha256OfThePathsSpreadOverClasses()
    {
        // Expected orders from Python: sorted(hashlib.sha256(f"{seed}:{path}".encode()).hexdigest() for each path of a class).
        // Seed 0: a -> img2, img0, ...; b -> img4, img1, ...; c -> img4, img2, ...  Seed 7: a -> img2, ...; b -> img2, ...
        string root = Path.Combine(Path.GetTempPath(), "uft-sample", "test");
        Assert.Equal(["a/img2.jpg", "b/img4.jpg"], Chosen(Items(root), root, 2, seed: 0));
        // Four queries for three classes: one round over all classes, then the first class again.
        Assert.Equal(["a/img2.jpg", "b/img4.jpg", "c/img4.jpg", "a/img0.jpg"], Chosen(Items(root), root, 4, seed: 0));
        Assert.Equal(["a/img2.jpg", "b/img2.jpg"], Chosen(Items(root), root, 2, seed: 7));
        // More than there are: every item once.
        Assert.Equal(15, Chosen(Items(root), root, 40, seed: 0).Distinct().Count());
    }

    [Fact]
    public void QueriesDependOnTheFolderContentsAloneNotWhereItLiesOrHowItWasListed()
    {
        string here = Path.Combine(Path.GetTempPath(), "one", "test"), there = Path.Combine(Path.GetTempPath(), "elsewhere", "deeper", "test");
        var expected = Chosen(Items(here), here, 5, seed: 3);
        Assert.Equal(expected, Chosen(Items(there), there, 5, seed: 3));
        Assert.Equal(expected, Chosen(Items(there, reversed: true), there, 5, seed: 3));
        Assert.NotEqual(expected, Chosen(Items(here), here, 5, seed: 4));
    }

    [Fact]
    public void PerQueryHitsAndPerClassMeansOnTheHandMadeGallery()
    {
        // The gallery of RetrievalAndMonitorTests: queries 0 and 1 find 2 of 3 of their class, query 2 finds 1 of 3.
        using var gallery = tensor(new float[] { 2, 0, 0.9f, 0.1f, 0, 1, 0.1f, 0.9f, -1, 0 }, [5, 2]);
        using var queries = tensor(new float[] { 1, 0.05f, 0, 1, -1, 0.01f }, [3, 2]);
        var neighbours = Retrieval.TopKNeighbours(queries, gallery, 3);
        var hits = Retrieval.Hits(neighbours, [0, 1, 2], [0, 0, 1, 1, 2]);
        Assert.Equal([2, 2, 1], hits);
        Assert.Equal(5.0 / 9, Retrieval.Accuracy(hits, 3));
        double[] precisions = [.. hits.Select(h => h / 3.0)];
        // Queries 0 and 2 both labelled 0, class 1 has none: (2/3 + 1/3) / 2, NaN, 2/3.
        Assert.Equal([0.5, double.NaN, 2.0 / 3], ClassificationAccuracy.PerClassMean(precisions, [0, 2, 0], 3));
        // kNN-style recall per class: class 0 right 1 of 2, class 1 right 2 of 2.
        Assert.Equal([0.5, 1.0], ClassificationAccuracy.PerClass([0, 1, 1, 1], [0, 0, 1, 1], 2));
    }
}
