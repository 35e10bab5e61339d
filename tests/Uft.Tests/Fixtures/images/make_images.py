"""Generates the small image fixtures for ImageDecoder/ImageFolder tests (run once with Debian's python3-pil)."""
from PIL import Image

# 8x4 image: left half red, right half blue. Saved with EXIF orientation 6 (rotate 90 CW to display),
# so the upright image is 4x8 with red on top.
img = Image.new("RGB", (8, 4))
for x in range(8):
    for y in range(4):
        img.putpixel((x, y), (255, 0, 0) if x < 4 else (0, 0, 255))
exif = Image.Exif()
exif[0x0112] = 6
img.save("exif_orientation6.jpg", quality=100, exif=exif.tobytes())
img.save("plain.bmp")
img.save("plain.webp", lossless=True)
Image.new("L", (5, 3), 77).save("gray.jpg", quality=100)
rgba = Image.new("RGBA", (3, 2), (10, 20, 30, 0))
rgba.save("alpha.png")
frames = [Image.new("RGB", (4, 4), (255, 0, 0)), Image.new("RGB", (4, 4), (0, 0, 255))]
frames[0].save("two_frames.gif", save_all=True, append_images=frames[1:])
