namespace Uft.Tests;

public sealed class SharedDataFactAttribute : FactAttribute { public SharedDataFactAttribute() { if (Paths.SharedData is null) Skip = "../shared/data not present"; } }
