namespace Uft.Evaluation;

/// <summary>
/// Settings of <see cref="EvalSuite"/>. The frozen-feature protocols (retrieval, clustering, kNN, linear probe) run
/// unless switched off; k-shot transfer and FixMatch run when their options are given (they train, so they cost most).
/// </summary>
public sealed record EvalOptions
{
    public int BatchSize { get; init; } = 64;
    public bool Retrieval { get; init; } = true;
    public bool Clustering { get; init; } = true;
    public bool Knn { get; init; } = true;
    /// <summary>Clustering of a labelled source set (forgetting), when one is given.</summary>
    public bool SourceClustering { get; init; } = true;
    public int RetrievalK { get; init; } = 5;
    /// <summary>Test queries kept with their top-k train images for the report's gallery (<see cref="Evaluation.RetrievalSample"/>); 0 keeps none.</summary>
    public int RetrievalExamples { get; init; } = 8;
    public int ClusteringRestarts { get; init; } = 10;
    /// <summary>K-means runs from this many seeds (each keeping the best of <see cref="ClusteringRestarts"/>); null: as
    /// many as <see cref="DrawRule.Adaptive"/> asks. The clustering metrics are their mean, with its interval. One run's
    /// BCubed precision moves by several points with the seed alone (ucmerced at 224 px: 4 points, one standard deviation).</summary>
    public int? ClusteringSeeds { get; init; }
    public int KnnK { get; init; } = 200;
    public double KnnTemperature { get; init; } = 0.1;
    public bool LinearProbe { get; init; } = true;
    /// <summary>K values of the K-shot linear probe on frozen features (empty: none), over <see cref="ProbeTrials"/> trials
    /// per K (null: as many as <see cref="DrawRule.Adaptive"/> asks).</summary>
    public int[] ProbeShots { get; init; } = [1, 2, 4, 8];
    public int? ProbeTrials { get; init; }
    /// <summary>λ grid and cross-validation of the K-shot probe, the full probe's λ, L-BFGS budget and tolerance.</summary>
    public ProbeOptions Probe { get; init; } = new();
    public KShotOptions? KShot { get; init; }
    public FixMatchOptions? FixMatch { get; init; }
    /// <summary>Points drawn for each t-SNE picture; 0 draws none.</summary>
    public int TSnePoints { get; init; } = 2000;
    public double TSnePerplexity { get; init; } = 30;
    public int TSneIterations { get; init; } = 1000;
    public int Seed { get; init; } = 0;
    /// <summary>RankMe and SND of the train images' features, ignoring their labels (issue 41's candidates): seconds.
    /// Null: on, and not written, so comparisons recorded before it compare equal.</summary>
    public bool? LabelFree { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public DrawRule ProbeDraws => ProbeTrials is int n ? DrawRule.Fixed(n) : DrawRule.Adaptive;
    [System.Text.Json.Serialization.JsonIgnore]
    public DrawRule ClusteringDraws => ClusteringSeeds is int n ? DrawRule.Fixed(n) : DrawRule.Adaptive;

    public void Validate()
    {
        if (BatchSize < 1) throw UftException.Usage($"--batch-size: {BatchSize} must be at least 1");
        if (RetrievalK < 1) throw UftException.Usage($"--retrieval-k: {RetrievalK} must be at least 1");
        if (RetrievalExamples < 0) throw UftException.Usage($"--retrieval-examples: {RetrievalExamples} must be 0 (none) or more");
        if (ClusteringRestarts < 1) throw UftException.Usage($"--restarts: {ClusteringRestarts} must be at least 1");
        if (ClusteringSeeds is < 1) throw UftException.Usage($"--kmeans-seeds: {ClusteringSeeds} must be at least 1");
        if (KnnK < 1 || KnnTemperature <= 0) throw UftException.Usage($"--knn-k {KnnK} / --knn-t {KnnTemperature}: both must be positive");
        if (ProbeShots.Any(k => k < 1) || ProbeTrials is < 1) throw UftException.Usage("--shots / --trials: give positive numbers");
        if (TSnePoints < 0) throw UftException.Usage($"--tsne-points: {TSnePoints} must be 0 (none) or more");
        Probe.Validate();
        KShot?.Validate();
        FixMatch?.Validate();
    }
}
