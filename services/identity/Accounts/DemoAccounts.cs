using GovPlatform.Identity.Data;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Identity;

namespace GovPlatform.Identity.Accounts;

public sealed record DemoAccount(string UserName, string DisplayName, string Role, string? ScopeNode, string? Department, string Password,
    Guid? WorkerId = null);

/// <summary>A person of dispatch's roster as <c>GET /api/v1/workers</c> answers an admin: the id and the whole phone.</summary>
public sealed record RosterWorker(Guid Id, string Phone);

/// <summary>The body of <c>POST /api/v1/demo-accounts</c>: the demo county's roster, to tie the demo staff to their workers.</summary>
public sealed record DemoAccountsRequest(IReadOnlyList<RosterWorker>? Workers = null);

/// <summary>
/// One account per role in the demo county (services/dispatch/Seed/demo-county.json), so the console can be
/// tried at once. Each call gives every demo account a fresh random password and returns them: the only
/// place they are ever shown. Mapped only where <c>Identity:DemoAccounts</c> is on.
/// </summary>
public sealed class DemoAccounts(IdentityDb db, UserManager<StaffUser> users, TimeProvider clock)
{
    /// <summary>
    /// User name, display name, role, scope node (grid-tree code), department, and for staff on dispatch's roster the
    /// phone of the roster person they stand for (demo-county.json's workers), by which their worker id is found.
    /// </summary>
    public static readonly (string UserName, string DisplayName, string Role, string? ScopeNode, string? Department, string? RosterPhone)[] All =
    [
        ("demo-admin", "演示·系统管理员", Roles.Admin, "MT", null, null),
        ("demo-desk", "演示·总台接线员", Roles.DeskOperator, "MT", null, null),
        ("demo-grid", "演示·网格员", Roles.GridWorker, "MT-01-01-C01-G1", null, "15060605865"),
        ("demo-gridleader", "演示·网格长", Roles.GridLeader, "MT-01-01-C01-G1", null, "18895630945"),
        ("demo-community", "演示·锦园社区书记", Roles.CommunityCadre, "MT-01-01", null, "18155034910"),
        ("demo-subdistrict", "演示·湄江街道干部", Roles.SubdistrictOfficer, "MT-01", null, null),
        ("demo-department", "演示·城管局值班员", Roles.Department, "MT", "city_management", null),
        ("demo-organiser", "演示·志愿活动组织者", Roles.Organiser, "MT-01-01", null, null),
        ("demo-volunteer", "演示·志愿者", Roles.Volunteer, "MT-01-01-C01-G1", null, null),
        ("demo-leader", "演示·县领导", Roles.Leader, "MT", null, null),
    ];

    /// <param name="roster">Dispatch's workers (id and phone); a demo account whose roster phone is among them gets that
    /// worker's id, so the orders dispatch assigns to that worker are the demo account's to work. Without it the
    /// accounts are tied to no worker.</param>
    public async Task<IReadOnlyList<DemoAccount>> ResetAsync(IReadOnlyList<RosterWorker>? roster, CancellationToken ct)
    {
        var byPhone = (roster ?? []).GroupBy(w => w.Phone).ToDictionary(g => g.Key, g => g.First().Id);
        var result = new List<DemoAccount>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var (userName, displayName, role, scopeNode, department, rosterPhone) in All)
        {
            var password = AccountDesk.NewPassword();
            var user = await users.FindByNameAsync(userName);
            if (user is null)
            {
                user = new StaffUser { UserName = userName, CreatedAt = clock.GetUtcNow() };
                Check(await users.CreateAsync(user));
            }
            // A demo account is put back as it was listed, whatever was done to it since.
            user.DisplayName = displayName;
            user.ScopeNode = scopeNode;
            user.Department = department;
            user.WorkerId = rosterPhone is not null && byPhone.TryGetValue(rosterPhone, out var workerId) ? workerId : null;
            user.IsDisabled = false;
            user.TwoFactorEnabled = false;
            Check(await users.UpdateAsync(user));
            var roles = await users.GetRolesAsync(user);
            Check(await users.RemoveFromRolesAsync(user, roles.Where(r => r != role)));
            if (!roles.Contains(role)) Check(await users.AddToRolesAsync(user, [role]));
            Check(await users.RemovePasswordAsync(user));
            Check(await users.AddPasswordAsync(user, password));
            Check(await users.SetLockoutEndDateAsync(user, null));
            Check(await users.ResetAccessFailedCountAsync(user));
            result.Add(new DemoAccount(userName, displayName, role, scopeNode, department, password, user.WorkerId));
        }
        await tx.CommitAsync(ct);
        return result;
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
