using Uft.Data;

namespace Uft.Tests.Data;

public class ImageFolderTests
{
    [Fact]
    public void DemoTrainHasTenSortedClassesOfThirty()
    {
        var folder = ImageFolder.Labeled(Path.Combine(Paths.Demo, "train"));
        Assert.Equal(["bonsai", "brain", "butterfly", "chandelier", "ewer", "hawksbill", "ketch", "laptop", "starfish", "sunflower"], folder.Classes);
        Assert.All(folder.ClassCounts(), c => Assert.Equal(30, c));
        Assert.Equal(300, folder.Count);
        // Labels follow the class folder, and order is ordinal within a class.
        Assert.All(folder.Items, i => Assert.Equal(folder.Classes[i.Label], Path.GetFileName(Path.GetDirectoryName(i.Path))));
        var firstClass = folder.Items.Where(i => i.Label == 0).Select(i => i.Path).ToList();
        Assert.Equal(firstClass.Order(StringComparer.Ordinal), firstClass);
        Assert.Empty(folder.Skipped);
    }

    [Fact]
    public void ClassMappingIsOrdinalNotCultureOrCount()
    {
        var root = Paths.TempDir();
        var good = File.ReadAllBytes(Path.Combine(Paths.Fixtures, "images", "plain.bmp"));
        foreach (var (cls, n) in new[] { ("b", 1), ("B", 3), ("a", 2), ("_x", 1) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < n; i++) File.WriteAllBytes(Path.Combine(root, cls, $"{i}.bmp"), good);
        }
        var folder = ImageFolder.Labeled(root);
        Assert.Equal(["B", "_x", "a", "b"], folder.Classes);
        Assert.Equal([3, 1, 2, 1], folder.ClassCounts());
        var unlabeled = ImageFolder.Unlabeled(root);
        Assert.Empty(unlabeled.Classes);
        Assert.Equal(7, unlabeled.Count);
        Assert.All(unlabeled.Items, i => Assert.Equal(-1, i.Label));
    }

    [Fact]
    public void EachBadFileKindIsSkippedCountedAndNamed()
    {
        var root = Paths.TempDir();
        var cls = Path.Combine(root, "cls");
        Directory.CreateDirectory(cls);
        var jpeg = File.ReadAllBytes(Path.Combine(Paths.Demo, "train", "bonsai", Directory.GetFiles(Path.Combine(Paths.Demo, "train", "bonsai")).Select(Path.GetFileName).Order(StringComparer.Ordinal).First()!));
        File.WriteAllBytes(Path.Combine(cls, "good.jpg"), jpeg);
        File.WriteAllBytes(Path.Combine(cls, "empty.jpg"), []);
        File.WriteAllBytes(Path.Combine(cls, "truncated.jpg"), jpeg[..(jpeg.Length / 3)]);
        File.WriteAllText(Path.Combine(cls, "text.png"), "this is not an image");
        File.WriteAllText(Path.Combine(cls, "notes.txt"), "notes");
        // A PNG header that declares 100000 x 100000 pixels: refused before any allocation.
        File.WriteAllBytes(Path.Combine(cls, "bomb.png"), PngHeader(100_000, 100_000));
        File.WriteAllBytes(Path.Combine(cls, "zero.png"), PngHeader(0, 0));
        var unreadable = Path.Combine(cls, "unreadable.jpg");
        File.WriteAllBytes(unreadable, jpeg);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(unreadable, UnixFileMode.None);
        bool root_ = Environment.UserName == "root"; // root reads files whatever their mode

        var folder = ImageFolder.Labeled(root, ScanCheck.Full);
        var reasons = folder.Skipped.ToDictionary(s => Path.GetFileName(s.Path), s => s.Reason);
        Assert.Equal("empty file", reasons["empty.jpg"]);
        Assert.Equal("truncated image data", reasons["truncated.jpg"]);
        Assert.StartsWith("not a decodable image", reasons["text.png"]);
        Assert.Equal("not an image file extension", reasons["notes.txt"]);
        Assert.Contains("megapixel limit", reasons["bomb.png"]);
        Assert.True(reasons.ContainsKey("zero.png"));
        Assert.Equal(root_ ? 2 : 1, folder.Count);
        if (!root_) Assert.StartsWith("unreadable", reasons["unreadable.jpg"]);
        Assert.StartsWith($"{folder.Skipped.Count} of {folder.Skipped.Count + folder.Count} files skipped: ", folder.SkippedSummary());
    }

    [Fact]
    public void ASymlinkLoopIsVisitedOnce()
    {
        var root = Paths.TempDir();
        var sub = Path.Combine(root, "a", "b");
        Directory.CreateDirectory(sub);
        File.Copy(Path.Combine(Paths.Fixtures, "images", "plain.bmp"), Path.Combine(sub, "x.bmp"));
        Directory.CreateSymbolicLink(Path.Combine(sub, "loop"), Path.Combine(root, "a"));
        var folder = ImageFolder.Unlabeled(root);
        Assert.Equal(1, folder.Count);
        Assert.Contains(folder.Skipped, s => s.Reason.Contains("loop"));
    }

    [Fact]
    public void MissingOrImagelessFolderIsAOneLineUsageError()
    {
        var missing = Path.Combine(Paths.TempDir(), "nope");
        var e = Assert.Throws<UftException>(() => ImageFolder.Labeled(missing));
        Assert.True(e.IsUsage);
        Assert.Equal($"{missing}: folder not found", e.Message);

        var empty = Paths.TempDir();
        Directory.CreateDirectory(Path.Combine(empty, "cls"));
        File.WriteAllText(Path.Combine(empty, "cls", "a.jpg"), "junk");
        var e2 = Assert.Throws<UftException>(() => ImageFolder.Labeled(empty));
        Assert.StartsWith($"{empty}: no readable image", e2.Message);
        Assert.DoesNotContain('\n', e2.Message);
    }

    // The 8-byte PNG signature and a valid IHDR chunk declaring the given size (no image data follows).
    static byte[] PngHeader(int width, int height)
    {
        var chunk = new List<byte> { (byte)'I', (byte)'H', (byte)'D', (byte)'R' };
        chunk.AddRange(BitConverter.GetBytes(width).Reverse());
        chunk.AddRange(BitConverter.GetBytes(height).Reverse());
        chunk.AddRange(new byte[] { 8, 2, 0, 0, 0 });
        var b = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };
        b.AddRange(chunk);
        b.AddRange(BitConverter.GetBytes(Crc32(chunk)).Reverse());
        // An empty IDAT chunk, so that the decoder reaches the image data before it gives up.
        b.AddRange(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'D', (byte)'A', (byte)'T' });
        b.AddRange(BitConverter.GetBytes(Crc32("IDAT"u8.ToArray())).Reverse());
        return b.ToArray();
    }

    static uint Crc32(IEnumerable<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var x in data)
        {
            crc ^= x;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
