using System.Security.Cryptography;
using System.Text.RegularExpressions;
using GovPlatform.Identity.Data;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace GovPlatform.Identity.Accounts;

/// <summary>An account as administrators see it: never any password, hash or authenticator data.</summary>
public sealed record AccountView(
    string Id, string UserName, string DisplayName, string[] Roles, string? ScopeNode, string? Department,
    bool Disabled, DateTimeOffset? LockedOutUntil, bool TwoFactorEnabled, DateTimeOffset CreatedAt, Guid? WorkerId = null);

public sealed record NewAccount(
    string UserName, string DisplayName, string[] Roles, string Password, string? ScopeNode = null, string? Department = null,
    Guid? Id = null, Guid? WorkerId = null);

/// <param name="WorkerId">The person's id in dispatch's roster, so the orders assigned to that worker are theirs to work.</param>
public sealed record AccountScope(string[] Roles, string? ScopeNode = null, string? Department = null, Guid? WorkerId = null);

/// <summary>What an operation on an account came to; the API maps each to its HTTP answer.</summary>
public abstract record AccountOutcome
{
    public sealed record Done(AccountView Account) : AccountOutcome;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : AccountOutcome;
    public sealed record NotFound : AccountOutcome;
    public sealed record Conflict(string Detail) : AccountOutcome;
    /// <summary>An authenticator key was made; it is shown this once, for the person to scan.</summary>
    public sealed record EnrolStarted(AccountView Account, string OtpauthUri, string SharedKey) : AccountOutcome;
}

/// <summary>
/// The administrators' operations on staff accounts. Each runs in one transaction, and every change that
/// must end what a person could do (disable, password reset) also revokes their refresh tokens, so the
/// console cannot quietly get a new access token for them.
/// </summary>
public sealed partial class AccountDesk(
    IdentityDb db, UserManager<StaffUser> users, IOpenIddictTokenManager tokens, IOpenIddictAuthorizationManager authorizations,
    TimeProvider clock)
{
    /// <summary>Roles that answer for a part of the grid tree and so cannot do without a scope node.</summary>
    private static readonly string[] ScopedRoles = [Roles.GridWorker, Roles.GridLeader, Roles.CommunityCadre, Roles.SubdistrictOfficer];

    [GeneratedRegex("^[A-Z0-9]+(-[A-Z0-9]+)*$")]
    private static partial Regex NodeCode();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex DepartmentCode();

    public async Task<AccountOutcome> CreateAsync(NewAccount input, CancellationToken ct)
    {
        var errors = Check(new AccountScope(input.Roles ?? [], input.ScopeNode, input.Department, input.WorkerId));
        if (string.IsNullOrWhiteSpace(input.UserName)) errors["userName"] = ["A user name is required."];
        if (string.IsNullOrWhiteSpace(input.DisplayName) || input.DisplayName.Trim().Length > 100)
            errors["displayName"] = ["A display name of 1 to 100 characters is required."];
        if (string.IsNullOrEmpty(input.Password)) errors["password"] = ["An initial password is required."];
        if (errors.Count > 0) return new AccountOutcome.Invalid(errors);

        var user = new StaffUser
        {
            // A given id lets an account share its subject with the person's record elsewhere (a volunteer's id, say).
            Id = (input.Id ?? Guid.NewGuid()).ToString(),
            UserName = input.UserName.Trim(),
            DisplayName = input.DisplayName.Trim(),
            ScopeNode = Blank(input.ScopeNode),
            Department = Blank(input.Department),
            WorkerId = input.WorkerId,
            CreatedAt = clock.GetUtcNow(),
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (input.Id is { } id && await users.FindByIdAsync(id.ToString()) is not null)
            return new AccountOutcome.Conflict($"An account with id {id} exists already.");
        var created = await users.CreateAsync(user, input.Password);
        if (!created.Succeeded) return FromIdentity(created);
        var roled = await users.AddToRolesAsync(user, input.Roles!.Distinct());
        if (!roled.Succeeded) return FromIdentity(roled);
        await tx.CommitAsync(ct);
        return new AccountOutcome.Done(await ViewAsync(user));
    }

    public async Task<IReadOnlyList<AccountView>> ListAsync(string? role, string? under, int limit, int offset, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(role))
            query = query.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == role)));
        // Node codes extend their parent's code, so a subtree is a prefix up to a dash.
        if (!string.IsNullOrWhiteSpace(under))
            query = query.Where(u => u.ScopeNode == under || u.ScopeNode!.StartsWith(under + "-"));
        var page = await query.OrderBy(u => u.UserName).Skip(offset).Take(limit).ToListAsync(ct);
        var ids = page.Select(u => u.Id).ToList();
        var roles = (await (from ur in db.UserRoles
                            join r in db.Roles on ur.RoleId equals r.Id
                            where ids.Contains(ur.UserId)
                            select new { ur.UserId, r.Name }).ToListAsync(ct))
            .ToLookup(x => x.UserId, x => x.Name!);
        return [.. page.Select(u => View(u, roles[u.Id]))];
    }

    public async Task<AccountView?> GetAsync(string id) =>
        await users.FindByIdAsync(id) is { } user ? await ViewAsync(user) : null;

    /// <summary>Switches an account off or on. Switching off also ends its refresh tokens and the sign-in cookie.</summary>
    public async Task<AccountOutcome> SetDisabledAsync(string id, bool disabled, CancellationToken ct)
    {
        if (await users.FindByIdAsync(id) is not { } user) return new AccountOutcome.NotFound();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        user.IsDisabled = disabled;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded) return FromIdentity(updated);
        if (disabled) await EndSessionsAsync(user, ct);
        await tx.CommitAsync(ct);
        return new AccountOutcome.Done(await ViewAsync(user));
    }

    /// <summary>New roles, scope node and department; the person's next token (sign-in or refresh) carries them.</summary>
    public async Task<AccountOutcome> RescopeAsync(string id, AccountScope scope, CancellationToken ct)
    {
        var errors = Check(scope);
        if (errors.Count > 0) return new AccountOutcome.Invalid(errors);
        if (await users.FindByIdAsync(id) is not { } user) return new AccountOutcome.NotFound();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        user.ScopeNode = Blank(scope.ScopeNode);
        user.Department = Blank(scope.Department);
        user.WorkerId = scope.WorkerId;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded) return FromIdentity(updated);
        var current = await users.GetRolesAsync(user);
        var removed = await users.RemoveFromRolesAsync(user, current.Except(scope.Roles));
        if (!removed.Succeeded) return FromIdentity(removed);
        var added = await users.AddToRolesAsync(user, scope.Roles.Distinct().Except(current));
        if (!added.Succeeded) return FromIdentity(added);
        await tx.CommitAsync(ct);
        return new AccountOutcome.Done(await ViewAsync(user));
    }

    /// <summary>
    /// Sets the given password, or a generated one returned once as <paramref name="temporary"/>. Lockout is
    /// lifted (the person called the administrator for a reason) and existing sessions end.
    /// </summary>
    public async Task<(AccountOutcome Outcome, string? Temporary)> ResetPasswordAsync(string id, string? password, CancellationToken ct)
    {
        if (await users.FindByIdAsync(id) is not { } user) return (new AccountOutcome.NotFound(), null);
        var temporary = string.IsNullOrEmpty(password) ? NewPassword() : null;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await users.RemovePasswordAsync(user);
        var set = await users.AddPasswordAsync(user, password ?? temporary!);
        if (!set.Succeeded) return (FromIdentity(set), null);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        await EndSessionsAsync(user, ct);
        await tx.CommitAsync(ct);
        return (new AccountOutcome.Done(await ViewAsync(user)), temporary);
    }

    /// <summary>Turns off a person's authenticator (a lost phone); they may enrol again after signing in.</summary>
    public async Task<AccountOutcome> RemoveAuthenticatorAsync(string id, CancellationToken ct)
    {
        if (await users.FindByIdAsync(id) is not { } user) return new AccountOutcome.NotFound();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await tx.CommitAsync(ct);
        return new AccountOutcome.Done(await ViewAsync(user));
    }

    /// <summary>Starts enrolling the person's authenticator app: a new key, as an otpauth URI for a QR code.</summary>
    public async Task<AccountOutcome> BeginAuthenticatorAsync(string id, Func<StaffUser, string, string> uri, CancellationToken ct)
    {
        if (await users.FindByIdAsync(id) is not { } user) return new AccountOutcome.NotFound();
        // Changing the key of a confirmed authenticator would lock its owner out with the app they hold.
        if (user.TwoFactorEnabled) return new AccountOutcome.Conflict("An authenticator is already on; an administrator removes it first.");
        await users.ResetAuthenticatorKeyAsync(user);
        var key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("Identity made no authenticator key.");
        return new AccountOutcome.EnrolStarted(await ViewAsync(user), uri(user, key), key);
    }

    /// <summary>Confirms the authenticator with a code from it; from then on sign-in asks for a code.</summary>
    public async Task<AccountOutcome> ConfirmAuthenticatorAsync(string id, string? code, CancellationToken ct)
    {
        if (await users.FindByIdAsync(id) is not { } user) return new AccountOutcome.NotFound();
        if (user.TwoFactorEnabled) return new AccountOutcome.Conflict("The authenticator is already confirmed.");
        if (await users.GetAuthenticatorKeyAsync(user) is null)
            return new AccountOutcome.Conflict("No authenticator is being enrolled: start with POST /api/v1/me/authenticator.");
        var normalised = (code ?? "").Replace(" ", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, normalised))
            return new AccountOutcome.Invalid(new() { ["code"] = ["The code does not match the authenticator."] });
        await users.SetTwoFactorEnabledAsync(user, true);
        return new AccountOutcome.Done(await ViewAsync(user));
    }

    private async Task EndSessionsAsync(StaffUser user, CancellationToken ct)
    {
        // A new stamp makes the identity service's sign-in cookie for this person worthless.
        await users.UpdateSecurityStampAsync(user);
        await tokens.RevokeBySubjectAsync(user.Id, ct);
        await authorizations.RevokeBySubjectAsync(user.Id, ct);
    }

    private static Dictionary<string, string[]> Check(AccountScope scope)
    {
        var errors = new Dictionary<string, string[]>();
        var roles = scope.Roles ?? [];
        if (roles.Length == 0) errors["roles"] = ["At least one role is required."];
        var unknown = roles.Except(Roles.All).ToArray();
        if (unknown.Length > 0) errors["roles"] = [$"Unknown roles: {string.Join(", ", unknown)}. Known: {string.Join(", ", Roles.All)}."];

        var node = Blank(scope.ScopeNode);
        if (node is not null && (node.Length > 100 || !NodeCode().IsMatch(node)))
            errors["scopeNode"] = ["A scope node is a grid-tree code such as MT-01-01-C01-G1."];
        else if (node is null && roles.Intersect(ScopedRoles).FirstOrDefault() is { } scoped)
            errors["scopeNode"] = [$"The role {scoped} answers for a part of the grid tree: give its scope node."];

        var department = Blank(scope.Department);
        if (department is not null && (department.Length > 50 || !DepartmentCode().IsMatch(department)))
            errors["department"] = ["A department is a code such as police, fire or city_management."];
        else if (department is null && roles.Contains(Roles.Department))
            errors["department"] = ["The department role needs the department's code."];
        if (scope.WorkerId == Guid.Empty) errors["workerId"] = ["A worker id is the worker's id in dispatch's roster, never the empty id."];
        return errors;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static AccountOutcome FromIdentity(IdentityResult result)
    {
        if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName)))
            return new AccountOutcome.Conflict("That user name is taken.");
        if (result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.ConcurrencyFailure)))
            return new AccountOutcome.Conflict("The account changed meanwhile; read it again and retry.");
        var field = (IdentityError e) => e.Code.StartsWith("Password", StringComparison.Ordinal) ? "password"
            : e.Code.Contains("UserName", StringComparison.Ordinal) ? "userName" : "account";
        return new AccountOutcome.Invalid(result.Errors.GroupBy(field).ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
    }

    /// <summary>A password that meets the policy: 16 characters of upper, lower and digits, without look-alikes.</summary>
    public static string NewPassword()
    {
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", lower = "abcdefghijkmnopqrstuvwxyz", digits = "23456789";
        const string all = upper + lower + digits;
        var chars = new char[16];
        chars[0] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[1] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        for (var i = 3; i < chars.Length; i++) chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }

    private async Task<AccountView> ViewAsync(StaffUser user) => View(user, await users.GetRolesAsync(user));

    private AccountView View(StaffUser user, IEnumerable<string> roles) => new(
        user.Id, user.UserName!, user.DisplayName, [.. roles.Order(StringComparer.Ordinal)], user.ScopeNode, user.Department,
        user.IsDisabled, user.LockoutEnd is { } end && end > clock.GetUtcNow() ? end : null, user.TwoFactorEnabled, user.CreatedAt,
        user.WorkerId);
}
