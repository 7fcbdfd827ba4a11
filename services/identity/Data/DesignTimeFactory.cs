using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace GovPlatform.Identity.Data;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the service (which would want its keys).
/// The connection string is never opened when adding a migration.
/// </summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<IdentityDb>
{
    public IdentityDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityDb>().UseNpgsql("Host=localhost;Database=identitydb").UseOpenIddict().Options);
}
