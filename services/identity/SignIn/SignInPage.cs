using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace GovPlatform.Identity.SignIn;

/// <summary>
/// The sign-in page, rendered on the server: one small form that works on a phone without any script.
/// Every value written into it is HTML-encoded.
/// </summary>
public static class SignInPage
{
    public sealed record Model(string AntiforgeryField, string AntiforgeryToken, string ReturnUrl, string? UserName = null,
        string? Error = null, bool AskForCode = false);

    // Chinese stays readable in the page source; markup characters are still escaped.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private static string E(string? value) => Encoder.Encode(value ?? "");

    public static string Render(Model m) => Layout("登录", $"""
        <h1>民声总台</h1>
        <p class="sub">工作人员登录</p>
        {(m.Error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(m.Error)}</p>")}
        <form method="post" action="/account/login" autocomplete="on">
          <input type="hidden" name="{E(m.AntiforgeryField)}" value="{E(m.AntiforgeryToken)}">
          <input type="hidden" name="returnUrl" value="{E(m.ReturnUrl)}">
          <label for="userName">用户名</label>
          <input id="userName" name="userName" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="100" value="{E(m.UserName)}"{(m.UserName is null ? " autofocus" : "")}>
          <label for="password">密码</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200"{(m.UserName is not null && !m.AskForCode ? " autofocus" : "")}>
          <label for="code">验证码</label>
          <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" pattern="[0-9 ]*" placeholder="{(m.AskForCode ? "请输入身份验证器上的6位数字" : "开启了身份验证器时填写")}"{(m.AskForCode ? " required autofocus" : "")}>
          <button type="submit">登录</button>
        </form>
        """);

    public static string Message(string title, string text) => Layout(title, $"""
        <h1>民声总台</h1>
        <p class="sub">{E(title)}</p>
        <p>{E(text)}</p>
        """);

    private static string Layout(string title, string body) => $$"""
        <!doctype html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}} · 民声总台</title>
        <style>
          *{box-sizing:border-box}
          body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f3f5f8;color:#1d2733}
          main{max-width:24rem;margin:0 auto;padding:2.5rem 1.25rem}
          h1{font-size:1.5rem;margin:0 0 .25rem;color:#b3261e}
          .sub{margin:0 0 1.5rem;color:#566}
          label{display:block;margin:1rem 0 .35rem;font-weight:600}
          input{width:100%;padding:.75rem;font-size:1rem;border:1px solid #b8c2cc;border-radius:.5rem;background:#fff}
          input:focus{outline:2px solid #1a5fb4;border-color:#1a5fb4}
          button{width:100%;margin-top:1.5rem;padding:.85rem;font-size:1.05rem;border:0;border-radius:.5rem;background:#b3261e;color:#fff}
          .error{padding:.75rem;border-radius:.5rem;background:#fdecea;color:#8c1d18}
        </style>
        </head>
        <body><main>
        {{body}}
        </main></body>
        </html>
        """;
}
