using System.Security.Claims;
using GovPlatform.Identity.Accounts;
using GovPlatform.Identity.Extensions;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GovPlatform.Identity.Apis;

/// <summary>
/// Staff accounts: administrators create, list, disable, re-scope them and reset passwords; each person
/// enrols their own authenticator app. No answer ever carries a password hash or an authenticator key,
/// except the one-time values the caller asked for (a generated password, the key to scan).
/// </summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("api/v1/accounts").WithTags("accounts").RequireStaff(Roles.Admin);
        accounts.MapPost("", CreateAsync).WithName("CreateAccount").WithSummary("Create a staff account");
        accounts.MapGet("", ListAsync).WithName("ListAccounts").WithSummary("List staff accounts, by role or part of the grid tree");
        accounts.MapGet("{id}", GetAsync).WithName("GetAccount");
        accounts.MapPost("{id}/disable", DisableAsync).WithName("DisableAccount").WithSummary("Switch an account off and end its sessions");
        accounts.MapPost("{id}/enable", EnableAsync).WithName("EnableAccount");
        accounts.MapPut("{id}/scope", RescopeAsync).WithName("RescopeAccount").WithSummary("Set roles, scope node and department");
        accounts.MapPost("{id}/password", ResetPasswordAsync).WithName("ResetPassword")
            .WithSummary("Set a password, or generate a temporary one returned once; ends the account's sessions");
        accounts.MapDelete("{id}/authenticator", RemoveAuthenticatorAsync).WithName("RemoveAuthenticator");

        var me = app.MapGroup("api/v1/me").WithTags("accounts").RequireStaff();
        me.MapGet("", MeAsync).WithName("GetMyAccount");
        me.MapPost("authenticator", BeginAuthenticatorAsync).WithName("EnrolAuthenticator")
            .WithSummary("Make an authenticator key; answers the otpauth URI to scan");
        me.MapPost("authenticator/confirm", ConfirmAuthenticatorAsync).WithName("ConfirmAuthenticator")
            .WithSummary("Confirm the authenticator with a code; sign-in asks for a code from then on");
        return app;
    }

    public static IEndpointRouteBuilder MapDemoAccountsApi(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<IdentityServiceOptions>>().Value.DemoAccounts)
            app.MapPost("api/v1/demo-accounts", ResetDemoAccountsAsync).WithTags("accounts").RequireStaff(Roles.Admin)
                .WithName("ResetDemoAccounts").WithSummary("(Re)create one demo account per role with fresh passwords, shown once");
        return app;
    }

    public sealed record PasswordReset(string? Password = null);
    public sealed record PasswordIssued(string TemporaryPassword);
    public sealed record AuthenticatorCode(string Code);
    public sealed record AuthenticatorEnrolment(string OtpauthUri, string SharedKey);

    private static async Task<Results<Created<AccountView>, ProblemHttpResult>> CreateAsync(
        NewAccount body, AccountDesk desk, CancellationToken ct) =>
        await desk.CreateAsync(body, ct) switch
        {
            AccountOutcome.Done done => TypedResults.Created($"/api/v1/accounts/{done.Account.Id}", done.Account),
            var other => Problem(other),
        };

    private static async Task<Results<Ok<IReadOnlyList<AccountView>>, ValidationProblem>> ListAsync(
        AccountDesk desk, CancellationToken ct,
        [FromQuery] string? role = null, [FromQuery] string? under = null, [FromQuery] int limit = 100, [FromQuery] int offset = 0)
    {
        if (limit is < 1 or > 500 || offset < 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1 to 500 and offset 0 or more."] });
        if (role is not null && !Roles.All.Contains(role))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"Unknown role {role}."] });
        return TypedResults.Ok(await desk.ListAsync(role, under, limit, offset, ct));
    }

    private static async Task<Results<Ok<AccountView>, NotFound>> GetAsync(string id, AccountDesk desk) =>
        await desk.GetAsync(id) is { } account ? TypedResults.Ok(account) : TypedResults.NotFound();

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> DisableAsync(
        string id, AccountDesk desk, CancellationToken ct) => Answer(await desk.SetDisabledAsync(id, true, ct));

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> EnableAsync(
        string id, AccountDesk desk, CancellationToken ct) => Answer(await desk.SetDisabledAsync(id, false, ct));

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> RescopeAsync(
        string id, AccountScope body, AccountDesk desk, CancellationToken ct) => Answer(await desk.RescopeAsync(id, body, ct));

    private static async Task<Results<Ok<PasswordIssued>, NoContent, ProblemHttpResult>> ResetPasswordAsync(
        string id, AccountDesk desk, CancellationToken ct, [FromBody] PasswordReset? body = null)
    {
        var (outcome, temporary) = await desk.ResetPasswordAsync(id, body?.Password, ct);
        return outcome switch
        {
            AccountOutcome.Done when temporary is not null => TypedResults.Ok(new PasswordIssued(temporary)),
            AccountOutcome.Done => TypedResults.NoContent(),
            var other => Problem(other),
        };
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> RemoveAuthenticatorAsync(
        string id, AccountDesk desk, CancellationToken ct) => Answer(await desk.RemoveAuthenticatorAsync(id, ct));

    private static async Task<Results<Ok<AccountView>, NotFound>> MeAsync(ClaimsPrincipal user, AccountDesk desk) =>
        user.SubjectOf() is { } id && await desk.GetAsync(id) is { } account ? TypedResults.Ok(account) : TypedResults.NotFound();

    private static async Task<Results<Ok<AuthenticatorEnrolment>, ProblemHttpResult>> BeginAuthenticatorAsync(
        ClaimsPrincipal user, AccountDesk desk, CancellationToken ct)
    {
        var outcome = await desk.BeginAuthenticatorAsync(user.SubjectOf() ?? "", OtpauthUri, ct);
        return outcome is AccountOutcome.EnrolStarted started
            ? TypedResults.Ok(new AuthenticatorEnrolment(started.OtpauthUri, started.SharedKey))
            : Problem(outcome);
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> ConfirmAuthenticatorAsync(
        ClaimsPrincipal user, AuthenticatorCode body, AccountDesk desk, CancellationToken ct) =>
        Answer(await desk.ConfirmAuthenticatorAsync(user.SubjectOf() ?? "", body.Code, ct));

    private static async Task<Results<Ok<IReadOnlyList<DemoAccount>>, ValidationProblem>> ResetDemoAccountsAsync(
        DemoAccounts demo, CancellationToken ct, [FromBody] DemoAccountsRequest? body = null)
    {
        if (body?.Workers is { } workers && (workers.Count > 10_000 || workers.Any(w => w is null || w.Id == Guid.Empty || string.IsNullOrWhiteSpace(w.Phone))))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                { ["workers"] = ["Each worker needs its id and phone as dispatch lists them (at most 10000)."] });
        return TypedResults.Ok(await demo.ResetAsync(body?.Workers, ct));
    }

    /// <summary>The key URI authenticator apps read from a QR code (Google's Key Uri Format), six digits every 30 s.</summary>
    private static string OtpauthUri(StaffUser account, string key)
    {
        const string issuer = "民声总台";
        return $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account.UserName!)}" +
               $"?secret={key}&issuer={Uri.EscapeDataString(issuer)}&digits=6&period=30";
    }

    private static Results<Ok<AccountView>, ProblemHttpResult> Answer(AccountOutcome outcome) =>
        outcome is AccountOutcome.Done done ? TypedResults.Ok(done.Account) : Problem(outcome);

    private static ProblemHttpResult Problem(AccountOutcome outcome) => outcome switch
    {
        AccountOutcome.Invalid invalid => TypedResults.Problem(new HttpValidationProblemDetails(invalid.Errors)
            { Status = StatusCodes.Status400BadRequest, Title = "One or more fields are not valid." }),
        AccountOutcome.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such account."),
        AccountOutcome.Conflict conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: conflict.Detail),
        _ => throw new InvalidOperationException($"Unexpected outcome {outcome}"),
    };
}
