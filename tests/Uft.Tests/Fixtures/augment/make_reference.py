"""Reference outputs of torchvision's functional tensor ops for tests/Uft.Tests/Data/AugmentationReferenceTests.cs.
Run once with Debian's python3-torchvision:  /usr/bin/python3 make_reference.py > reference.json
The input is a generated 16x12 RGB pattern (the C# test builds the same bytes from the same formula)."""
import json, sys, torch, torchvision
import torchvision.transforms.functional as F

W, H = 16, 12
def level(c, y, x):  # keep in sync with AugmentationReferenceTests.Pattern
    return (x * 37 + y * 23 + c * 91 + x * y * 7) % 256
img = torch.tensor([[[level(c, y, x) for x in range(W)] for y in range(H)] for c in range(3)], dtype=torch.uint8)
f = img.float() / 255.0
BIL = F.InterpolationMode.BILINEAR
cases = {
    "brightness_1.3": F.adjust_brightness(f, 1.3),
    "brightness_0.6": F.adjust_brightness(f, 0.6),
    "contrast_1.4": F.adjust_contrast(f, 1.4),
    "contrast_0.5": F.adjust_contrast(f, 0.5),
    "saturation_1.5": F.adjust_saturation(f, 1.5),
    "saturation_0.3": F.adjust_saturation(f, 0.3),
    "hue_0.1": F.adjust_hue(f, 0.1),
    "hue_-0.25": F.adjust_hue(f, -0.25),
    "hue_0.5": F.adjust_hue(f, 0.5),
    "grayscale": F.rgb_to_grayscale(f, num_output_channels=3),
    "blur_k5_s1.3": F.gaussian_blur(f, [5, 5], [1.3, 1.3]),
    "blur_k3_s0.7": F.gaussian_blur(f, [3, 3], [0.7, 0.7]),
    "resized_crop_2_3_8_10_to_6x5": F.resized_crop(f, 2, 3, 8, 10, [6, 5], BIL, antialias=True),
    "resized_crop_1_1_5_6_to_12x16": F.resized_crop(f, 1, 1, 5, 6, [12, 16], BIL, antialias=True),
    "resized_crop_0_0_12_16_to_7x9": F.resized_crop(f, 0, 0, 12, 16, [7, 9], BIL, antialias=True),
    "resize_9_center_crop_8": F.center_crop(F.resize(f, 9, BIL, antialias=True), [8, 8]),
    "hflip": F.hflip(f),
    "normalize_imagenet": F.normalize(f, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
}
out = {"generator": "make_reference.py", "torch": torch.__version__, "torchvision": torchvision.__version__,
       "width": W, "height": H,
       "cases": [{"name": k, "shape": list(v.shape), "values": [round(float(x), 7) for x in v.flatten()]} for k, v in cases.items()]}
json.dump(out, sys.stdout, indent=None)
