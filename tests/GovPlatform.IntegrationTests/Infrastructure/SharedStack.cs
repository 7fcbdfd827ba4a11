namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// All four services, started once for the tests that only need a running platform. Those tests
/// stay independent by each importing a <see cref="TestCounty"/> of their own.
/// </summary>
public sealed class SharedStack : IAsyncLifetime
{
    public TestStack Stack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.StartAll();
        // Every test then sees each category start at its catalogue tier, whichever runs first.
        await Stack.CatalogueHeardAsync();
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}
