"""scikit-learn side of bench/eval: times the same retrieval and K-means as Program.cs on the same .npy files.

Usage: /usr/bin/python3 sklearn_bench.py <dir with gallery.npy queries.npy gallery_labels.npy query_labels.npy kmeans.npy> <repeats> <k> <n_init> <max_iter>
Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors

folder, repeats, k, n_init, max_iter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
gallery = np.load(f"{folder}/gallery.npy")
queries = np.load(f"{folder}/queries.npy")
gallery_labels = np.load(f"{folder}/gallery_labels.npy")
query_labels = np.load(f"{folder}/query_labels.npy")
points = np.load(f"{folder}/kmeans.npy")


def best_of(fn):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def retrieval():
    nn = NearestNeighbors(n_neighbors=5, algorithm="brute", metric="cosine").fit(gallery)
    idx = nn.kneighbors(queries, return_distance=False)
    return float((gallery_labels[idx] == query_labels[:, None]).mean())


def kmeans():
    km = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, tol=0.0, algorithm="lloyd", init="k-means++", random_state=0).fit(points)
    return float(km.inertia_), int(km.n_iter_)


t_ret, acc = best_of(retrieval)
t_km, (inertia, n_iter) = best_of(kmeans)
print(json.dumps({"sklearn": sklearn.__version__, "retrieval_s": t_ret, "retrieval_acc": acc,
                  "kmeans_s": t_km, "kmeans_inertia": inertia, "kmeans_iter_last_init": n_iter}))
