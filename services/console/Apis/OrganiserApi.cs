using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

/// <summary>One volunteer's attendance at an activity as the volunteer service lists it for the organiser (name masked).</summary>
public sealed record AttendanceView(Guid VolunteerId, string Name, DateTime CheckedInAt, DateTime? CheckedOutAt, decimal? Hours, string Status, string? VerdictReason);
public sealed record VerdictView(AttendanceVerdict Attendance, long PointsAwarded);
public sealed record AttendanceVerdict(Guid Id, Guid ActivityId, Guid VolunteerId, string Status, string? VerdictReason);

/// <summary>The volunteer service as organisers use it beyond the counter: honour-board proposals and verifying attendance.</summary>
public sealed class OrganiserApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    /// <summary>Organisers find the people of their own activities (the service's rule); admins anyone.</summary>
    public Task<ApiResult<List<VolunteerView>>> FindAsync(string q, CancellationToken ct = default) =>
        GetAsync<List<VolunteerView>>($"/api/v1/volunteers?q={Uri.EscapeDataString(q)}", ct);

    public Task<ApiResult<HonourEntry>> ProposeAsync(string list, Guid volunteerId, string reason, CancellationToken ct = default) =>
        PostAsync<HonourEntry>("/api/v1/honour-board", new { list, subjectKind = "volunteer", subjectId = volunteerId, reason }, ct);

    public Task<ApiResult<ActivityView>> ActivityAsync(Guid id, CancellationToken ct = default) => GetAsync<ActivityView>($"/api/v1/activities/{id}", ct);

    public Task<ApiResult<List<AttendanceView>>> AttendancesAsync(Guid activityId, CancellationToken ct = default) =>
        GetAsync<List<AttendanceView>>($"/api/v1/activities/{activityId}/attendances", ct);

    public Task<ApiResult<VerdictView>> VerifyAsync(Guid activityId, Guid volunteerId, bool approve, string? reason, CancellationToken ct = default) =>
        PostAsync<VerdictView>($"/api/v1/activities/{activityId}/attendances/{volunteerId}/verify", new { approve, reason }, ct);
}
