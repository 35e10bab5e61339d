"""Generates sklearn_reference.json: reference values that the C# evaluation code must match within 1e-6.

Run once with Debian's python3-sklearn:  /usr/bin/python3 make_sklearn_reference.py
The data are written into the JSON too, so the tests do not depend on numpy's random generator.
"""
import json

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

rng = np.random.RandomState(0)

# Four well-separated blobs in 8 dimensions, 15 points each.
centres = rng.uniform(-10, 10, size=(4, 8))
blobs = np.concatenate([c + rng.normal(scale=0.5, size=(15, 8)) for c in centres])
blob_labels = np.repeat(np.arange(4), 15)
km = KMeans(n_clusters=4, n_init=10, init="k-means++", algorithm="lloyd", random_state=0).fit(blobs)

# A fixed "feature matrix" with overlapping classes: K-means lands in a local optimum here, so only NMI of
# fixed partitions is compared; partitions include unequal sizes and label permutations.
a = rng.randint(0, 5, size=200)
b = np.where(rng.uniform(size=200) < 0.6, a, rng.randint(0, 7, size=200))
c = (a * 3 + 1) % 5  # a permutation of a: NMI 1
d = rng.randint(0, 3, size=200)

out = {
    "sklearn_version": sklearn.__version__,
    "blobs": blobs.tolist(),
    "blob_labels": blob_labels.tolist(),
    "kmeans_k": 4,
    "kmeans_inertia": float(km.inertia_),
    "kmeans_labels": km.labels_.tolist(),
    "kmeans_nmi_vs_labels": float(normalized_mutual_info_score(blob_labels, km.labels_)),
    "nmi_cases": [
        {"a": a.tolist(), "b": b.tolist(), "nmi": float(normalized_mutual_info_score(a, b))},
        {"a": a.tolist(), "b": c.tolist(), "nmi": float(normalized_mutual_info_score(a, c))},
        {"a": a.tolist(), "b": d.tolist(), "nmi": float(normalized_mutual_info_score(a, d))},
        {"a": b.tolist(), "b": d.tolist(), "nmi": float(normalized_mutual_info_score(b, d))},
    ],
}
with open("sklearn_reference.json", "w") as f:
    json.dump(out, f)
print("inertia", km.inertia_, "nmi", [case["nmi"] for case in out["nmi_cases"]])
