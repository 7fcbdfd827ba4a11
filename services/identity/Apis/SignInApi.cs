using System.Security.Claims;
using GovPlatform.Identity.SignIn;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using GovPlatform.Identity.Accounts;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace GovPlatform.Identity.Apis;

/// <summary>The zh-CN sign-in page the authorize endpoint sends people to, and where they land after signing out.</summary>
public static class SignInApi
{
    public static IEndpointRouteBuilder MapSignInApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("account").ExcludeFromDescription();
        account.MapGet("login", ShowAsync);
        // Minimal APIs check the antiforgery token of a bound form by themselves (app.UseAntiforgery()).
        account.MapPost("login", SignInAsync);
        account.MapGet("logged-out", LoggedOut);
        return app;
    }

    public sealed record SignInForm(string? UserName, string? Password, string? Code, string? ReturnUrl);

    private static IResult ShowAsync(HttpContext context, IAntiforgery antiforgery, [FromQuery] string? returnUrl) =>
        Page(context, antiforgery, LocalReturnUrl(returnUrl), null, null, askForCode: false, StatusCodes.Status200OK);

    private static async Task<IResult> SignInAsync(HttpContext context, IAntiforgery antiforgery, PasswordCheck check,
        UserManager<StaffUser> users, [FromForm] SignInForm form)
    {
        var returnUrl = LocalReturnUrl(form.ReturnUrl);
        var (verdict, user) = await check.CheckAsync(form.UserName, form.Password, form.Code);
        var error = verdict switch
        {
            PasswordCheck.Verdict.Success => null,
            PasswordCheck.Verdict.LockedOut => "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。",
            PasswordCheck.Verdict.Disabled => "账号已停用，请联系管理员。",
            PasswordCheck.Verdict.CodeRequired => "此账号已开启身份验证器，请输入验证码。",
            PasswordCheck.Verdict.CodeInvalid => "验证码不正确。",
            _ => "用户名或密码不正确。",
        };
        if (user is null)
        {
            var status = verdict is PasswordCheck.Verdict.CodeRequired ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
            return Page(context, antiforgery, returnUrl, form.UserName, error,
                askForCode: verdict is PasswordCheck.Verdict.CodeRequired or PasswordCheck.Verdict.CodeInvalid, status);
        }

        var identity = new ClaimsIdentity(
            [new Claim(Claims.Subject, user.Id), new Claim(SignInCookie.StampClaim, await users.GetSecurityStampAsync(user))],
            SignInCookie.Scheme, Claims.Subject, Claims.Role);
        await context.SignInAsync(SignInCookie.Scheme, new ClaimsPrincipal(identity));
        return returnUrl is null
            ? Results.Content(SignInPage.Message("已登录", "您已登录。请回到工作台继续。"), "text/html; charset=utf-8")
            : Results.LocalRedirect(returnUrl);
    }

    private static IResult LoggedOut() =>
        Results.Content(SignInPage.Message("已退出登录", "您已安全退出。"), "text/html; charset=utf-8");

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? userName, string? error,
        bool askForCode, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        // The page holds a form that acts on the person's behalf: it must never be framed by another site.
        context.Response.Headers.XFrameOptions = "DENY";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
        context.Response.Headers.CacheControl = "no-store";
        var html = SignInPage.Render(new(tokens.FormFieldName, tokens.RequestToken!, returnUrl ?? "", userName, error, askForCode));
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>Only the authorize endpoint of this service is a place to go back to: anything else would be an open redirect.</summary>
    private static string? LocalReturnUrl(string? url) =>
        url is not null && url.StartsWith("/connect/authorize", StringComparison.Ordinal) ? url : null;
}
