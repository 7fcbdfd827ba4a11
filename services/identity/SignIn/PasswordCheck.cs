using GovPlatform.Identity.Accounts;
using Microsoft.AspNetCore.Identity;

namespace GovPlatform.Identity.SignIn;

/// <summary>
/// Checks a user name, password and (when the account has an authenticator) a code, counting failures
/// towards lockout. Written on <see cref="UserManager{TUser}"/> rather than SignInManager, whose
/// two-factor path needs Identity's own cookies; the rules are the same: a locked account is refused
/// before its password is looked at, and a wrong password or a wrong code both count as a failure.
/// </summary>
public sealed class PasswordCheck(UserManager<StaffUser> users)
{
    public enum Verdict { Success, Invalid, LockedOut, Disabled, CodeRequired, CodeInvalid }

    public async Task<(Verdict Verdict, StaffUser? User)> CheckAsync(string? userName, string? password, string? code)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password)) return (Verdict.Invalid, null);
        var user = await users.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            // Hash anyway, so an unknown name takes as long as a wrong password and does not give itself away.
            users.PasswordHasher.HashPassword(new StaffUser(), password);
            return (Verdict.Invalid, null);
        }
        if (await users.IsLockedOutAsync(user)) return (Verdict.LockedOut, null);
        if (!await users.CheckPasswordAsync(user, password)) return (await FailAsync(user, Verdict.Invalid), null);
        // Only someone who knows the password learns that the account is switched off.
        if (user.IsDisabled) return (Verdict.Disabled, null);

        if (user.TwoFactorEnabled)
        {
            var normalised = (code ?? "").Replace(" ", "", StringComparison.Ordinal);
            if (normalised.Length == 0) return (Verdict.CodeRequired, null);
            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, normalised))
                return (await FailAsync(user, Verdict.CodeInvalid), null);
        }
        await users.ResetAccessFailedCountAsync(user);
        return (Verdict.Success, user);
    }

    private async Task<Verdict> FailAsync(StaffUser user, Verdict verdict)
    {
        await users.AccessFailedAsync(user);
        return await users.IsLockedOutAsync(user) ? Verdict.LockedOut : verdict;
    }
}
