using GovPlatform.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(SharedStack))]
[assembly: AssemblyFixture(typeof(Browser))]
