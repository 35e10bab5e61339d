"""Builds data/demo from ../shared/data (run once; its output is committed).

10 Caltech-101 classes, 30 train + 20 test images each, and 100 ImageNet images (every 10th class of
imagenet-sample) as source replay data; longer side at most 128 px, JPEG quality 85.
"""
import os, sys
from PIL import Image

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
OUT = os.path.join(os.path.dirname(__file__), "..", "data", "demo")
CLASSES = ["bonsai", "brain", "butterfly", "chandelier", "ewer", "hawksbill", "ketch", "laptop", "starfish", "sunflower"]

def save(src, dst):
    img = Image.open(src).convert("RGB")
    img.thumbnail((128, 128), Image.BICUBIC)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    img.save(dst, quality=85)

for split, count in (("train", 30), ("test", 20)):
    for c in CLASSES:
        files = sorted(os.listdir(os.path.join(SHARED, "caltech101", split, c)))[:count]
        for f in files:
            save(os.path.join(SHARED, "caltech101", split, c, f), os.path.join(OUT, split, c, f))
synsets = sorted(os.listdir(os.path.join(SHARED, "imagenet-sample", "train")))[::10]
for s in synsets:
    d = os.path.join(SHARED, "imagenet-sample", "train", s)
    f = sorted(os.listdir(d))[0]
    save(os.path.join(d, f), os.path.join(OUT, "source", f))
print("classes", len(CLASSES), "source", len(synsets))
