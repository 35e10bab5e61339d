using System.Buffers.Binary;
using System.Text.RegularExpressions;
using SkiaSharp;
using Xunit.Abstractions;

namespace Uft.Tests.Reliability;

/// <summary>
/// Over 500 malformed files (seeded) among 32 good images: random bytes, truncated JPEG/PNG/WebP, image magic followed by
/// garbage, wrong extensions, empty files, 0x0 and huge declared sizes, dangling links and folder link loops, unreadable
/// permissions. `uft data check` lists every one of them; a 1-epoch run finishes, reports what it skipped and stays
/// under a memory bound.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class BadDataFuzzTests(ITestOutputHelper log)
{
    const long PeakRssBoundMb = 1536;

    [Fact]
    public void FiveHundredBadFilesAreCountedReportedAndSurvived()
    {
        string root = Paths.TempDir(), output = Paths.TempDir();
        try
        {
            var (bad, locked, badAfterHeader, good) = Plant(root, new Random(42));
            log.WriteLine($"{bad.Count} + {locked.Count} unreadable bad files, {badAfterHeader} of them with a readable header");
            Assert.True(bad.Count + locked.Count >= 500);

            // The scan as an ordinary user, for which the mode-000 files are unreadable (as root they are good images).
            bool ordinary = OrdinaryUser.Unavailable is null || !OrdinaryUser.TestsRunAsRoot;
            if (!ordinary) log.WriteLine($"mode-000 files not exercised: {OrdinaryUser.Unavailable}");
            List<string> checkBad = ordinary ? [.. bad, .. locked] : bad;
            var check = ordinary ? OrdinaryUser.Run("data", "check", root, "--unlabeled") : Cli.Run("data", "check", root, "--unlabeled");
            Assert.True(check.ExitCode == 0, check.All);
            Assert.Contains($"{checkBad.Count} of {bad.Count + locked.Count + good} files skipped", check.Stdout);
            foreach (var path in checkBad) Assert.Contains(path + ":", check.Stdout);
            if (ordinary) foreach (var path in locked) Assert.Contains(path + ": unreadable (UnauthorizedAccess)", check.Stdout);
            // The training run below reads as this user: as root the mode-000 files are good images.
            if (!OrdinaryUser.TestsRunAsRoot) bad.AddRange(locked);

            using var child = new ChildRun(null, SmallRun.Args(root, output, "fuzz", 1));
            int code = child.WaitForExit(TimeSpan.FromMinutes(3));
            log.WriteLine(child.Output);
            log.WriteLine($"peak RSS {child.PeakRssKb / 1024} MB");
            Assert.True(code == 0, child.Output);
            // The scan (headers) skips most; files with a good header but bad data are found when the loader decodes them.
            var scanned = Regex.Match(child.Output, @"(\d+) of (\d+) files skipped");
            Assert.True(scanned.Success, child.Output);
            int atScan = int.Parse(scanned.Groups[1].Value);
            Assert.Equal(bad.Count - badAfterHeader, atScan);
            var decoded = Regex.Match(child.Output, @"(\d+) files could not be decoded and were replaced by others");
            int atDecode = decoded.Success ? int.Parse(decoded.Groups[1].Value) : 0;
            Assert.InRange(atDecode, 1, badAfterHeader);
            Assert.True(File.Exists(Path.Combine(output, "fuzz", "backbone.safetensors")));
            Assert.InRange(child.PeakRssKb / 1024, 1, PeakRssBoundMb);
        }
        finally
        {
            SmallRun.Delete(root);
            SmallRun.Delete(output);
        }
    }

    // Root reads a mode-000 file anyway: the scan runs as nobody then (setpriv), so that unreadable files are exercised.
    [OrdinaryUserFact]
    public void ModeZeroFilesAreReportedUnreadableToAnOrdinaryUserAndAreNotFatal()
    {
        string root = SmallRun.Target(6);
        try
        {
            var locked = Directory.GetFiles(root).Order(StringComparer.Ordinal).Take(2).ToList();
            foreach (var path in locked) if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.None);
            var check = OrdinaryUser.Run("data", "check", root, "--unlabeled");
            log.WriteLine(check.All);
            Assert.True(check.ExitCode == 0, check.All);
            Assert.Contains("4 images (unlabeled)", check.Stdout);
            Assert.Contains("2 of 6 files skipped", check.Stdout);
            foreach (var path in locked) Assert.Contains($"{path}: unreadable (UnauthorizedAccess)", check.Stdout);
        }
        finally { SmallRun.Delete(root); }
    }

    // Writes 32 good images and the bad files; returns the bad paths as the tools name them, the mode-000 ones apart (bad
    // only for a user without root's right to read anything), how many bad ones have a header good enough to pass the
    // scan (truncated or garbled data behind a valid header), and how many images are good.
    static (List<string> Bad, List<string> Locked, int BadAfterHeader, int Good) Plant(string root, Random rng)
    {
        string good = SmallRun.Target(32);
        foreach (var f in Directory.GetFiles(good)) File.Move(f, Path.Combine(root, Path.GetFileName(f)));
        SmallRun.Delete(good);
        var bad = new List<string>();
        string Put(string name, byte[] bytes)
        {
            string path = Path.Combine(root, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            bad.Add(path);
            return path;
        }
        byte[] Random(int n) { var b = new byte[n]; rng.NextBytes(b); return b; }
        var encoded = Encode(rng);
        string[] extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

        for (int i = 0; i < 150; i++) Put($"random/{i:D3}{extensions[i % extensions.Length]}", Random(rng.Next(1, 4096)));
        foreach (var (ext, bytes) in encoded)
            for (int i = 0; i < 40; i++)
            {
                // Cut within the first 90% so that image data, not only a trailer, is missing.
                Put($"truncated/{i:D3}{ext}", bytes[..rng.Next(1, bytes.Length * 9 / 10)]);
            }
        for (int i = 0; i < 40; i++) Put($"magic/{i:D3}.jpg", [0xFF, 0xD8, 0xFF, .. Random(rng.Next(0, 2048))]);
        for (int i = 0; i < 40; i++) Put($"magic/{i:D3}.png", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Random(rng.Next(0, 2048))]);
        for (int i = 0; i < 30; i++) Put($"wrong-ext/{i:D3}.txt", encoded[".jpg"]);
        for (int i = 0; i < 30; i++) Put($"wrong-ext/{i:D3}.png", System.Text.Encoding.UTF8.GetBytes($"not an image {i}"));
        for (int i = 0; i < 20; i++) Put($"empty/{i:D3}.jpg", []);
        for (int i = 0; i < 20; i++) Put($"zero/{i:D3}.png", Png(0, i % 2 == 0 ? 0 : 16, Random(64)));
        for (int i = 0; i < 20; i++) Put($"huge/{i:D3}.png", Png(100_000 + i, 100_000, Random(256)));
        // Inside the 50-megapixel limit but without the data: the decoder may allocate the declared size, then fails.
        for (int i = 0; i < 5; i++) Put($"large/{i:D3}.png", Png(7000, 7000, Random(512)));
        for (int i = 0; i < 20; i++)
        {
            string link = Path.Combine(root, "links", $"dangling{i:D2}.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, Path.Combine(root, "nowhere", $"{i}.jpg"));
            bad.Add(link);
        }
        for (int i = 0; i < 10; i++)
        {
            string loop = Path.Combine(root, "loops", $"l{i}", "up");
            Directory.CreateDirectory(Path.GetDirectoryName(loop)!);
            Directory.CreateSymbolicLink(loop, Path.Combine(root, "loops"));
            bad.Add(loop);
        }
        var locked = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            string path = Path.Combine(root, "locked", $"{i:D2}.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, encoded[".jpg"]);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.None);
            locked.Add(path);
        }
        // Header-passing ones: the truncated files whose header survived the cut, the 7000x7000 PNGs, maybe a few magic ones.
        int afterHeader = bad.Count(p => File.Exists(p) && Uft.Data.ImageFolder.Check(p, Uft.Data.ScanCheck.Header) is null);
        return (bad, locked, afterHeader, 32);
    }

    static Dictionary<string, byte[]> Encode(Random rng)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(64, 48, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = new byte[64 * 48 * 4];
        rng.NextBytes(pixels);
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var image = SKImage.FromBitmap(bitmap);
        byte[] As(SKEncodedImageFormat f) { using var d = image.Encode(f, 90); return d.ToArray(); }
        return new() { [".jpg"] = As(SKEncodedImageFormat.Jpeg), [".png"] = As(SKEncodedImageFormat.Png), [".webp"] = As(SKEncodedImageFormat.Webp) };
    }

    // A PNG signature and IHDR (8-bit RGB) declaring width x height, then one IDAT chunk of the given (garbage) data, no IEND.
    static byte[] Png(int width, int height, byte[] data)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", data)];
    }

    static byte[] Chunk(string type, byte[] data)
    {
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        var chunk = new byte[4 + typed.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        typed.CopyTo(chunk, 4);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(4 + typed.Length), Crc32(typed));
        return chunk;
    }

    static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
