using GovPlatform.Identity.Accounts;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace GovPlatform.Identity.Data;

/// <summary>
/// The identity database: Identity's users and roles, and OpenIddict's applications, authorizations,
/// scopes and tokens (added by <c>UseOpenIddict()</c> on the options). The schema is EF Core's, kept
/// as migrations in <c>Data/Migrations</c> and applied at start-up before the service takes traffic.
/// </summary>
/// <remarks>
/// EF Core here and Dapper in the other services: Identity and OpenIddict ship their stores for EF Core
/// and hand-writing both stores would be far more code to own for no gain.
/// </remarks>
public sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<StaffUser>(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<StaffUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(100).IsRequired();
            user.Property(u => u.ScopeNode).HasMaxLength(100);
            user.Property(u => u.Department).HasMaxLength(50);
            // Admins list the accounts of one part of the tree.
            user.HasIndex(u => u.ScopeNode);
        });
    }
}
