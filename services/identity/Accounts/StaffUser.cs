using Microsoft.AspNetCore.Identity;

namespace GovPlatform.Identity.Accounts;

/// <summary>
/// A staff account. Identity keeps the password hash, lockout counters and authenticator key;
/// what the platform's services read from tokens (display name, scope node, department) lives here
/// beside them, and the roles are Identity roles named as in <see cref="ServiceDefaults.Roles"/>.
/// </summary>
public sealed class StaffUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>The grid-tree node the person answers for; becomes the <c>scope_node</c> claim.</summary>
    public string? ScopeNode { get; set; }

    /// <summary>The department code of a department's staff; becomes the <c>department</c> claim.</summary>
    public string? Department { get; set; }

    /// <summary>
    /// The person's id in dispatch's roster of workers (grid workers, leaders, cadres), which their work orders are
    /// assigned to; becomes the <c>worker_id</c> claim. Null for staff who are not on the roster.
    /// </summary>
    public Guid? WorkerId { get; set; }

    /// <summary>
    /// An administrator switched the account off. Kept apart from lockout, which Identity sets and lifts by
    /// itself after failed passwords: a disabled account stays off until an administrator enables it.
    /// </summary>
    public bool IsDisabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
