using GovPlatform.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(SharedStack))]
