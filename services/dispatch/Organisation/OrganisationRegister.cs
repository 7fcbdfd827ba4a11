using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Organisation;

public sealed record NewPartyOrg(string Kind, string Name, string NodeCode, Guid? ParentId, string? SecretaryName, string? SecretaryPhone, int MemberCount);
public sealed record NewPerson(string Name, int? BirthYear, IReadOnlyList<string> Care);
public sealed record NewHousehold(string NodeCode, string Address, string HeadName, string? HeadPhone, bool PartyHousehold,
    bool LinkHead, Guid? PartyGroupId, IReadOnlyList<NewPerson> People);
public sealed record NewVisit(string Kind, DateTimeOffset VisitedAt, string Notes);

/// <summary>
/// Party organisations and the household register: who may change what, the tree's rules, and the
/// events the figures are counted from. Each operation is one transaction.
/// </summary>
/// <remarks>
/// The household register holds residents' names, phones and special-care groups, so it follows the
/// work orders' rule: grid staff, community cadres and subdistrict officers see what lies under the
/// node they answer for; anything else answers 404, as if it did not exist.
/// </remarks>
public sealed class OrganisationRegister(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly string[] OrgKinds = ["committee", "branch", "group"];
    public static readonly string[] CareGroups = ["elderly_alone", "disabled", "seriously_ill", "hardship"];
    public static readonly string[] VisitKinds = ["routine", "care", "festival", "follow_up"];

    /// <summary>About ten households to a party-member household or group head (十联户); past this the group should be split.</summary>
    public const int MaxLinkedHouseholds = 15;

    /// <summary>The level of the node each kind of organisation sits beside, and the kind of its parent.</summary>
    private static readonly Dictionary<string, (string[] Levels, string? Parent)> Tree = new()
    {
        ["committee"] = (["community"], null),
        ["branch"] = (["compound", "grid"], "committee"),
        ["group"] = (["building"], "branch"),
    };

    // Rows with text[] columns are classes with settable properties: Dapper binds arrays to those,
    // not to a positional record's string[] parameter.
    private sealed class Node
    {
        public required string Code { get; init; }
        public required string Level { get; init; }
        public required string[] Path { get; init; }
    }

    private sealed class OrgRow
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public required string NodeCode { get; init; }
    }

    private sealed class HouseholdRow
    {
        public Guid Id { get; init; }
        public required string NodeCode { get; init; }
        public required string[] ScopePath { get; init; }
        public bool PartyHousehold { get; init; }
        public bool LinkHead { get; init; }
    }

    private static Task<Node?> NodeAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string code, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<Node>(new CommandDefinition(
            "SELECT code, level, path FROM grid_nodes WHERE code = @code", new { code }, tx, cancellationToken: ct));

    /// <summary>Staff answering for a node of the path (or admins) may act on it.</summary>
    public static bool Answers(Actor actor, IReadOnlyCollection<string> path) =>
        actor.IsAdmin || (actor.NodeScope is { } scope && path.Contains(scope));

    public async Task<StepResult> RegisterOrgAsync(Actor actor, NewPartyOrg org, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var node = await NodeAsync(conn, tx, org.NodeCode, ct);
        if (node is null) return StepResult.Field("nodeCode", "No such node in the grid tree.");
        if (!CommunityAccess.Answers(actor, node.Path)) return new StepResult.NotFound();
        var (levels, parentKind) = Tree[org.Kind];
        if (!levels.Contains(node.Level))
            return StepResult.Field("nodeCode", $"A {org.Kind} sits beside a {string.Join(" or ", levels)} node; {node.Code} is a {node.Level}.");

        if (parentKind is not null)
        {
            var parent = org.ParentId is { } pid
                ? await conn.QuerySingleOrDefaultAsync<OrgRow>(new CommandDefinition(
                    "SELECT id, kind, node_code AS NodeCode FROM party_orgs WHERE id = @pid", new { pid }, tx, cancellationToken: ct))
                : null;
            // The parent must be the next kind up and sit above this node in the grid tree.
            if (parent is null || parent.Kind != parentKind || !node.Path.Contains(parent.NodeCode))
                return StepResult.Field("parentId", $"A {org.Kind} needs a parent {parentKind} above {node.Code} in the grid tree.");
        }
        else if (org.ParentId is not null) return StepResult.Field("parentId", "A community party committee has no parent.");

        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        const string insert = """
            INSERT INTO party_orgs (id, kind, name, node_code, parent_id, secretary_name, secretary_phone, member_count, scope_path, created_by, created_at)
            VALUES (@id, @Kind, @Name, @NodeCode, @ParentId, @SecretaryName, @SecretaryPhone, @MemberCount, @path, @by, @now)
            ON CONFLICT (node_code, kind) DO NOTHING
            """;
        if (await conn.ExecuteAsync(new CommandDefinition(insert, new
            {
                id, org.Kind, org.Name, org.NodeCode, org.ParentId, org.SecretaryName, org.SecretaryPhone, org.MemberCount,
                path = node.Path, by = actor.Subject, now,
            }, tx, cancellationToken: ct)) == 0)
            return new StepResult.Conflict("registered", $"{node.Code} already has a party {org.Kind}.");
        await Outbox.EnqueueAsync(tx, new PartyOrganisationRegistered(id, org.Kind, org.Name, org.NodeCode, node.Path, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    public async Task<StepResult> RegisterHouseholdAsync(Actor actor, NewHousehold h, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var node = await NodeAsync(conn, tx, h.NodeCode, ct);
        if (node is null || node.Level is not ("building" or "unit" or "household_group"))
            return StepResult.Field("nodeCode", "A household is registered on a building, unit or household-group node.");
        if (!Answers(actor, node.Path)) return new StepResult.NotFound();
        if (h.PartyGroupId is { } gid && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM party_orgs WHERE id = @gid AND kind = 'group' AND node_code = ANY(@path))",
                new { gid, path = node.Path }, tx, cancellationToken: ct)))
            return StepResult.Field("partyGroupId", "The party group must be the group of this household's building.");

        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        const string insert = """
            INSERT INTO households (id, node_code, scope_path, address, head_name, head_phone, party_household, link_head, party_group_id, created_at, updated_at)
            VALUES (@id, @NodeCode, @path, @Address, @HeadName, @HeadPhone, @PartyHousehold, @LinkHead, @PartyGroupId, @now, @now)
            ON CONFLICT (node_code, address) DO NOTHING
            """;
        if (await conn.ExecuteAsync(new CommandDefinition(insert, new
            {
                id, h.NodeCode, path = node.Path, h.Address, h.HeadName, h.HeadPhone, h.PartyHousehold, h.LinkHead, h.PartyGroupId, now,
            }, tx, cancellationToken: ct)) == 0)
            return new StepResult.Conflict("registered", $"{h.Address} is already registered on {h.NodeCode}.");
        const string people = """
            INSERT INTO household_people (id, household_id, name, birth_year, care)
            SELECT ids, @id, names, nullif(years, 0), string_to_array(nullif(cares, ''), ',')
            FROM unnest(@ids::uuid[], @names::text[], @years::int[], @cares::text[]) AS p(ids, names, years, cares)
            """;
        await conn.ExecuteAsync(new CommandDefinition(people, new
        {
            id,
            ids = h.People.Select(_ => NewId.NextGuid()).ToArray(),
            names = h.People.Select(p => p.Name).ToArray(),
            years = h.People.Select(p => p.BirthYear ?? 0).ToArray(),
            cares = h.People.Select(p => string.Join(',', p.Care.Distinct())).ToArray(),
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    /// <summary>
    /// Links a household to a party-member household or household-group head of the same building
    /// (十联户), or unlinks it when <paramref name="centerId"/> is null. The center's row is locked so
    /// two links racing cannot take a group past <see cref="MaxLinkedHouseholds"/>.
    /// </summary>
    public async Task<StepResult> LinkAsync(Actor actor, Guid householdId, Guid? centerId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string select = """
            SELECT id, node_code AS NodeCode, scope_path AS ScopePath, party_household AS PartyHousehold, link_head AS LinkHead
            FROM households WHERE id = @id
            """;
        var household = await conn.QuerySingleOrDefaultAsync<HouseholdRow>(new CommandDefinition(select + " FOR UPDATE", new { id = householdId }, tx, cancellationToken: ct));
        if (household is null || !Answers(actor, household.ScopePath)) return new StepResult.NotFound();
        if (household.PartyHousehold || household.LinkHead)
            return new StepResult.Conflict("center", "A party-member household or group head leads a group; it is not linked to another.");
        if (centerId is { } cid)
        {
            var center = await conn.QuerySingleOrDefaultAsync<HouseholdRow>(new CommandDefinition(select + " FOR UPDATE", new { id = cid }, tx, cancellationToken: ct));
            if (center is null || !Answers(actor, center.ScopePath)) return StepResult.Field("centerId", "No such household.");
            if (!center.PartyHousehold && !center.LinkHead)
                return StepResult.Field("centerId", "Households are linked to a party-member household (党员中心户) or a household-group head (联户长).");
            // Same building (a unit's or household group's path runs through its building).
            if (await BuildingOfAsync(conn, tx, center.ScopePath, ct) != await BuildingOfAsync(conn, tx, household.ScopePath, ct))
                return StepResult.Field("centerId", "A household is linked within its own building.");
            var linked = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                "SELECT count(*)::int FROM households WHERE linked_to = @cid AND id <> @householdId", new { cid, householdId }, tx, cancellationToken: ct));
            if (linked >= MaxLinkedHouseholds)
                return new StepResult.Conflict("full", $"The group already links {linked} households; split it before adding more.");
        }
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE households SET linked_to = @centerId, updated_at = @now WHERE id = @householdId",
            new { centerId, householdId, now = clock.GetUtcNow() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new StepResult.Done(householdId);
    }

    private static Task<string?> BuildingOfAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string[] path, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT code FROM grid_nodes WHERE code = ANY(@path) AND level = 'building'", new { path }, tx, cancellationToken: ct));

    public async Task<StepResult> RecordVisitAsync(Actor actor, Guid householdId, NewVisit visit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var household = await conn.QuerySingleOrDefaultAsync<HouseholdRow>(new CommandDefinition("""
            SELECT id, node_code AS NodeCode, scope_path AS ScopePath, party_household AS PartyHousehold, link_head AS LinkHead
            FROM households WHERE id = @householdId
            """, new { householdId }, tx, cancellationToken: ct));
        if (household is null || !Answers(actor, household.ScopePath)) return new StepResult.NotFound();
        var care = (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT unnest(care) FROM household_people WHERE household_id = @householdId ORDER BY 1",
            new { householdId }, tx, cancellationToken: ct))).AsList();

        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO household_visits (id, household_id, kind, visited_at, visitor, visitor_name, notes, recorded_at)
            VALUES (@id, @householdId, @Kind, @VisitedAt, @Subject, @Name, @Notes, @now)
            """, new { id, householdId, visit.Kind, visit.VisitedAt, actor.Subject, actor.Name, visit.Notes, now = clock.GetUtcNow() }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new HouseholdVisited(id, householdId, household.NodeCode, household.ScopePath, visit.Kind, care,
            household.PartyHousehold, visit.VisitedAt), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }
}
