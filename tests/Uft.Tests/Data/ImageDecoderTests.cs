using Uft.Data;

namespace Uft.Tests.Data;

public class ImageDecoderTests
{
    static string Fixture(string name) => Path.Combine(Paths.Fixtures, "images", name);

    static (byte R, byte G, byte B) Pixel(RgbImage img, int x, int y)
    {
        int i = (y * img.Width + x) * 3;
        return (img.Pixels[i], img.Pixels[i + 1], img.Pixels[i + 2]);
    }

    [Fact]
    public void ExifOrientationSixIsRotatedUpright()
    {
        // Stored 8x4, red left half, blue right half; orientation 6 displays it rotated 90° clockwise: 4x8, red on top.
        var img = ImageDecoder.Decode(Fixture("exif_orientation6.jpg"));
        Assert.Equal((4, 8), (img.Width, img.Height));
        var top = Pixel(img, 2, 1);
        var bottom = Pixel(img, 2, 6);
        Assert.True(top.R > 200 && top.B < 60, $"top should be red, was {top}");
        Assert.True(bottom.B > 200 && bottom.R < 60, $"bottom should be blue, was {bottom}");
    }

    [Fact]
    public void GrayscaleIsExpandedToThreeEqualChannels()
    {
        var img = ImageDecoder.Decode(Fixture("gray.jpg"));
        Assert.Equal((5, 3), (img.Width, img.Height));
        Assert.All(Enumerable.Range(0, 15), i => Assert.Equal((img.Pixels[i * 3], img.Pixels[i * 3]), (img.Pixels[i * 3 + 1], img.Pixels[i * 3 + 2])));
        Assert.InRange(img.Pixels[0], 75, 79);
    }

    [Fact]
    public void AlphaIsDroppedKeepingTheColour()
    {
        var img = ImageDecoder.Decode(Fixture("alpha.png"));
        Assert.Equal((3, 2), (img.Width, img.Height));
        Assert.Equal(((byte)10, (byte)20, (byte)30), Pixel(img, 1, 1));
    }

    [Fact]
    public void GifDecodesItsFirstFrame()
    {
        var img = ImageDecoder.Decode(Fixture("two_frames.gif"));
        Assert.Equal((255, 0, 0), ((int)Pixel(img, 0, 0).R, (int)Pixel(img, 0, 0).G, (int)Pixel(img, 0, 0).B));
    }

    [Theory]
    [InlineData("plain.bmp")]
    [InlineData("plain.webp")]
    public void BmpAndWebpDecodeExactly(string name)
    {
        var img = ImageDecoder.Decode(Fixture(name));
        Assert.Equal((8, 4), (img.Width, img.Height));
        Assert.Equal(((byte)255, (byte)0, (byte)0), Pixel(img, 0, 0));
        Assert.Equal(((byte)0, (byte)0, (byte)255), Pixel(img, 7, 3));
    }

    [Fact]
    public void DemoImagesDecodeToTheirStoredSize()
    {
        // The demo set was written with the longer side at most 128 px; a couple with known sizes pin the decoder.
        var folder = ImageFolder.Labeled(Path.Combine(Paths.Demo, "train"));
        foreach (var item in folder.Items.Take(20))
        {
            var img = ImageDecoder.Decode(item.Path);
            using var codec = SkiaSharp.SKCodec.Create(item.Path);
            Assert.Equal((codec.Info.Width, codec.Info.Height), (img.Width, img.Height));
            Assert.Equal(128, Math.Max(img.Width, img.Height));
            Assert.Equal(img.Width * img.Height * 3, img.Pixels.Length);
        }
    }

    [Fact]
    public void JpegDecodesAtReducedScaleKeepingTheShorterSideAtLeastAskedFor()
    {
        var item = ImageFolder.Labeled(Path.Combine(Paths.Demo, "train")).Items[0];
        var full = ImageDecoder.Decode(item.Path);
        var small = ImageDecoder.Decode(item.Path, minSide: 32);
        Assert.True(Math.Min(small.Width, small.Height) >= 32);
        Assert.True(small.Width < full.Width, $"expected a reduced decode, got {small.Width} of {full.Width}");
    }
}
