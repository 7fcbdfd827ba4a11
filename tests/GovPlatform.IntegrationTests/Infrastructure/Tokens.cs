using System.Net.Http.Headers;
using GovPlatform.ServiceDefaults;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>Staff tokens for tests, signed with the key the test stacks trust.</summary>
public static class Tokens
{
    public static string For(string role, string? scopeNode = null, string? department = null, string? subject = null) =>
        PlatformTokens.Issue(TestServers.AuthOptions, subject ?? $"test-{role}-{Guid.NewGuid():N}", $"测试{role}", [role], scopeNode, department);

    public static HttpRequestMessage WithBearer(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
