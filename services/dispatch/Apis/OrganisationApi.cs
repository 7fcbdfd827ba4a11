using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.Organisation;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

/// <summary>Party organisations beside the grid, the household register with its visits, and each building's public "who to call" board.</summary>
public static partial class OrganisationApi
{
    public sealed record PartyOrgBody(string Kind, string Name, string NodeCode, Guid? ParentId = null,
        string? SecretaryName = null, string? SecretaryPhone = null, int MemberCount = 0);
    public sealed record PersonBody(string Name, int? BirthYear = null, IReadOnlyList<string>? Care = null);
    public sealed record HouseholdBody(string NodeCode, string Address, string HeadName, string? HeadPhone = null,
        bool PartyHousehold = false, bool LinkHead = false, Guid? PartyGroupId = null, IReadOnlyList<PersonBody>? People = null);
    public sealed record LinkBody(Guid? CenterId);
    public sealed record VisitBody(string Kind, DateTimeOffset VisitedAt, string Notes);

    public sealed record PartyOrgDto(Guid Id, string Kind, string Name, string NodeCode, Guid? ParentId, string? SecretaryName,
        string? SecretaryPhone, int MemberCount, int Households);
    public sealed record PersonDto(string Name, int? BirthYear, string[] Care);
    public sealed record VisitDto(Guid Id, string Kind, DateTime VisitedAt, string VisitorName, string Notes);
    public sealed record HouseholdDto(Guid Id, string NodeCode, string Address, string HeadName, string? HeadPhone, bool PartyHousehold,
        bool LinkHead, Guid? PartyGroupId, Guid? LinkedTo, int LinkedHouseholds, DateTime? LastVisitAt)
    {
        public IReadOnlyList<PersonDto> People { get; init; } = [];
        public IReadOnlyList<VisitDto> Visits { get; init; } = [];
    }
    public sealed record BoardEntry(string Role, string Name, string? Phone, string? Address);
    public sealed record BuildingBoard(string BuildingCode, string BuildingName, IReadOnlyList<BoardEntry> Entries);

    /// <summary>The handlers' shared services, bundled so each handler names only what it uses.</summary>
    public readonly record struct Services(OrganisationRegister Register, NpgsqlDataSource Db);

    private static readonly string[] RegisterRoles = [Roles.Admin, Roles.CommunityCadre, Roles.SubdistrictOfficer];
    private static readonly string[] HouseholdRoles = [Roles.Admin, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.GridWorker, Roles.GridLeader];

    public static void MapOrganisationApi(this WebApplication app)
    {
        var orgs = app.MapGroup("/api/v1/party-orgs").WithTags("Party organisations");
        orgs.MapPost("/", RegisterOrg).RequireRoles(RegisterRoles).WithName("RegisterPartyOrg")
            .WithSummary("Register a community party committee, a compound or grid branch, or a building party group");
        orgs.MapGet("/", ListOrgs).RequireRoles(HouseholdRoles).WithName("ListPartyOrgs")
            .WithSummary("The party organisations under a node, as a tree in order (committee, branches, groups)");

        var households = app.MapGroup("/api/v1/households").WithTags("Households");
        households.MapPost("/", RegisterHousehold).RequireRoles(HouseholdRoles).WithName("RegisterHousehold")
            .WithSummary("Register a household with its people and their special-care groups");
        households.MapGet("/", ListHouseholds).RequireRoles(HouseholdRoles).WithName("ListHouseholds")
            .WithSummary("The households under a node (optionally only those with a special-care group), with people and latest visits");
        households.MapPut("/{id:guid}/link", Link).RequireRoles(HouseholdRoles).WithName("LinkHousehold")
            .WithSummary("Link a household to its party-member household or household-group head (十联户); null unlinks");
        households.MapPost("/{id:guid}/visits", RecordVisit).RequireRoles(HouseholdRoles).WithName("RecordHouseholdVisit")
            .WithSummary("Record a visit to a household (routine, care, festival, follow-up)");

        // Posted in the building's hallway and behind its doorplate: names and office phones only.
        app.MapGet("/api/v1/buildings/{code}/board", Board).AllowAnonymous().WithTags("Households").WithName("GetBuildingBoard")
            .WithSummary("Who to call in a building: building leader, grid workers, party group, party-member households and group heads");
    }

    private static async Task<Results<Created<PartyOrgDto>, ValidationProblem, NotFound, ProblemHttpResult>> RegisterOrg(
        PartyOrgBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!OrganisationRegister.OrgKinds.Contains(body.Kind)) errors["kind"] = [$"One of: {string.Join(", ", OrganisationRegister.OrgKinds)}."];
        StepReplies.Text(errors, body.Name, "name", 200);
        if (body.NodeCode is null) errors["nodeCode"] = ["A grid-tree node is required."];
        if (body.SecretaryName is { } sn && (sn.Length > 50 || sn.Any(char.IsControl))) errors["secretaryName"] = ["At most 50 characters, no control characters."];
        if (body.SecretaryPhone is { } sp && !OfficePhone().IsMatch(sp)) errors["secretaryPhone"] = ["An office phone of 5-20 digits and dashes."];
        if (body.MemberCount is < 0 or > 100_000) errors["memberCount"] = ["0-100000."];
        if (errors.Count > 0) return await StepReplies.Rejected<Created<PartyOrgDto>>(errors);

        var result = await s.Register.RegisterOrgAsync(Actor.From(user), new NewPartyOrg(body.Kind, body.Name.Trim(), body.NodeCode!,
            body.ParentId, body.SecretaryName?.Trim(), body.SecretaryPhone, body.MemberCount), ct);
        return await StepReplies.ToHttpAsync(result, "party organisation", async id =>
        {
            await using var conn = await s.Db.OpenConnectionAsync(ct);
            var org = await conn.QuerySingleAsync<PartyOrgDto>(new CommandDefinition(SelectOrgs + " WHERE o.id = @id", new { id }, cancellationToken: ct));
            return TypedResults.Created($"/api/v1/party-orgs?under={org.NodeCode}", org);
        });
    }

    private const string SelectOrgs = """
        SELECT o.id, o.kind, o.name, o.node_code AS NodeCode, o.parent_id AS ParentId, o.secretary_name AS SecretaryName,
               o.secretary_phone AS SecretaryPhone, o.member_count AS MemberCount,
               (SELECT count(*)::int FROM households h WHERE h.party_group_id = o.id) AS Households
        FROM party_orgs o
        """;

    private static async Task<Results<Ok<List<PartyOrgDto>>, ValidationProblem>> ListOrgs(string? under, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(under)) return UnderRequired();
        await using var conn = await db.OpenConnectionAsync(ct);
        var actor = Actor.From(user);
        var rows = await conn.QueryAsync<PartyOrgDto>(new CommandDefinition($"""
            {SelectOrgs}
            WHERE @under = ANY(o.scope_path) AND (@admin OR (@scopeNode::text IS NOT NULL AND @scopeNode = ANY(o.scope_path)))
            ORDER BY array_position(ARRAY['committee', 'branch', 'group'], o.kind), o.node_code
            """, new { under, admin = actor.IsAdmin, scopeNode = actor.NodeScope }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<Results<Created<HouseholdDto>, ValidationProblem, NotFound, ProblemHttpResult>> RegisterHousehold(
        HouseholdBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.NodeCode is null) errors["nodeCode"] = ["A building, unit or household-group node is required."];
        StepReplies.Text(errors, body.Address, "address", 100);
        StepReplies.Text(errors, body.HeadName, "headName", 50);
        if (body.HeadPhone is { } phone && !MobilePhone().IsMatch(phone)) errors["headPhone"] = ["An 11-digit mobile number."];
        if (body.PartyHousehold && body.LinkHead) errors["linkHead"] = ["A party-member household already leads its group; it is not also marked group head."];
        var people = body.People ?? [];
        if (people.Count > 20) errors["people"] = ["At most 20 people to a household."];
        for (var i = 0; i < people.Count; i++)
        {
            StepReplies.Text(errors, people[i].Name, $"people[{i}].name", 50);
            if (people[i].BirthYear is < 1900 or > 2100) errors[$"people[{i}].birthYear"] = ["1900-2100."];
            if ((people[i].Care ?? []).FirstOrDefault(c => !OrganisationRegister.CareGroups.Contains(c)) is { } bad)
                errors[$"people[{i}].care"] = [$"'{bad}' is not a care group; one of: {string.Join(", ", OrganisationRegister.CareGroups)}."];
        }
        if (errors.Count > 0) return await StepReplies.Rejected<Created<HouseholdDto>>(errors);

        var result = await s.Register.RegisterHouseholdAsync(Actor.From(user), new NewHousehold(body.NodeCode!, body.Address.Trim(), body.HeadName.Trim(),
            body.HeadPhone, body.PartyHousehold, body.LinkHead, body.PartyGroupId,
            people.Select(p => new NewPerson(p.Name.Trim(), p.BirthYear, p.Care ?? [])).ToList()), ct);
        return await StepReplies.ToHttpAsync(result, "household", async id =>
        {
            await using var conn = await s.Db.OpenConnectionAsync(ct);
            var household = (await HouseholdsAsync(conn, "h.id = @id", new { id }, ct)).Single();
            return TypedResults.Created($"/api/v1/households?under={household.NodeCode}", household);
        });
    }

    private static async Task<Results<Ok<List<HouseholdDto>>, ValidationProblem>> ListHouseholds(
        string? under, string? care, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(under)) return UnderRequired();
        if (care is not null && !OrganisationRegister.CareGroups.Contains(care))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["care"] = [$"One of: {string.Join(", ", OrganisationRegister.CareGroups)}."] });
        var actor = Actor.From(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await HouseholdsAsync(conn, """
            @under = ANY(h.scope_path) AND (@admin OR (@scopeNode::text IS NOT NULL AND @scopeNode = ANY(h.scope_path)))
            AND (@care::text IS NULL OR EXISTS (SELECT 1 FROM household_people p WHERE p.household_id = h.id AND @care = ANY(p.care)))
            """, new { under, care, admin = actor.IsAdmin, scopeNode = actor.NodeScope }, ct));
    }

    private static async Task<List<HouseholdDto>> HouseholdsAsync(NpgsqlConnection conn, string where, object parameters, CancellationToken ct)
    {
        var households = (await conn.QueryAsync<HouseholdDto>(new CommandDefinition($"""
            SELECT h.id, h.node_code AS NodeCode, h.address, h.head_name AS HeadName, h.head_phone AS HeadPhone, h.party_household AS PartyHousehold,
                   h.link_head AS LinkHead, h.party_group_id AS PartyGroupId, h.linked_to AS LinkedTo,
                   (SELECT count(*)::int FROM households l WHERE l.linked_to = h.id) AS LinkedHouseholds,
                   (SELECT max(v.visited_at) FROM household_visits v WHERE v.household_id = h.id) AS LastVisitAt
            FROM households h
            WHERE {where}
            ORDER BY h.node_code, h.address
            LIMIT 1000
            """, parameters, cancellationToken: ct))).AsList();
        var ids = households.Select(h => h.Id).ToArray();
        var people = (await conn.QueryAsync<PersonRow>(new CommandDefinition(
            "SELECT household_id AS HouseholdId, name, birth_year AS BirthYear, care FROM household_people WHERE household_id = ANY(@ids) ORDER BY birth_year NULLS LAST, name",
            new { ids }, cancellationToken: ct))).ToLookup(p => p.HouseholdId, p => new PersonDto(p.Name, p.BirthYear, p.Care));
        // The five latest visits of each household are enough to see who was looked after and when.
        var visits = (await conn.QueryAsync<(Guid HouseholdId, Guid Id, string Kind, DateTime VisitedAt, string VisitorName, string Notes)>(new CommandDefinition("""
            SELECT household_id, id, kind, visited_at, visitor_name, notes FROM (
                SELECT v.*, row_number() OVER (PARTITION BY household_id ORDER BY visited_at DESC) AS n
                FROM household_visits v WHERE household_id = ANY(@ids)) latest
            WHERE n <= 5 ORDER BY visited_at DESC
            """, new { ids }, cancellationToken: ct))).ToLookup(v => v.HouseholdId, v => new VisitDto(v.Id, v.Kind, v.VisitedAt, v.VisitorName, v.Notes));
        return households.Select(h => h with { People = people[h.Id].ToList(), Visits = visits[h.Id].ToList() }).ToList();
    }

    private static async Task<Results<Ok<HouseholdDto>, ValidationProblem, NotFound, ProblemHttpResult>> Link(
        Guid id, LinkBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        await StepReplies.ToHttpAsync(await s.Register.LinkAsync(Actor.From(user), id, body.CenterId, ct), "household", async done =>
        {
            await using var conn = await s.Db.OpenConnectionAsync(ct);
            return TypedResults.Ok((await HouseholdsAsync(conn, "h.id = @id", new { id = done }, ct)).Single());
        });

    private static async Task<Results<Created<VisitDto>, ValidationProblem, NotFound, ProblemHttpResult>> RecordVisit(
        Guid id, VisitBody body, ClaimsPrincipal user, [AsParameters] Services s, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!OrganisationRegister.VisitKinds.Contains(body.Kind)) errors["kind"] = [$"One of: {string.Join(", ", OrganisationRegister.VisitKinds)}."];
        StepReplies.Text(errors, body.Notes, "notes", 2000);
        // A visit is recorded after it happened; a little clock skew on a phone is forgiven.
        if (body.VisitedAt > clock.GetUtcNow().AddMinutes(5)) errors["visitedAt"] = ["A visit cannot be in the future."];
        if (errors.Count > 0) return await StepReplies.Rejected<Created<VisitDto>>(errors);
        var actor = Actor.From(user);
        return await StepReplies.ToHttpAsync(await s.Register.RecordVisitAsync(actor, id, new NewVisit(body.Kind, body.VisitedAt, body.Notes.Trim()), ct),
            "household", visitId => Task.FromResult(TypedResults.Created($"/api/v1/households?under={id}",
                new VisitDto(visitId, body.Kind, body.VisitedAt.UtcDateTime, actor.Name, body.Notes.Trim()))));
    }

    private static async Task<Results<Ok<BuildingBoard>, NotFound>> Board(string code, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var building = await conn.QuerySingleOrDefaultAsync<BuildingRow>(new CommandDefinition(
            "SELECT code, name, path FROM grid_nodes WHERE code = @code AND level = 'building'", new { code }, cancellationToken: ct));
        if (building is null) return TypedResults.NotFound();
        // Staff by their work phones; party-member households and group heads by name and door only,
        // since their phones are their own.
        var entries = await conn.QueryAsync<BoardEntry>(new CommandDefinition("""
            SELECT w.role AS Role, w.name, w.phone, NULL AS Address FROM workers w
            WHERE (w.role = 'building_leader' AND w.node_code = @code)
               OR (w.role IN ('grid_worker', 'grid_leader') AND w.node_code = ANY(@path))
            UNION ALL
            SELECT 'party_group_secretary', o.secretary_name, o.secretary_phone, NULL FROM party_orgs o
            WHERE o.kind = 'group' AND o.node_code = @code AND o.secretary_name IS NOT NULL
            UNION ALL
            SELECT CASE WHEN h.party_household THEN 'party_household' ELSE 'link_head' END, h.head_name, NULL, h.address FROM households h
            WHERE (h.party_household OR h.link_head) AND @code = ANY(h.scope_path)
            ORDER BY 1, 2
            """, new { code, path = building.Path }, cancellationToken: ct));
        return TypedResults.Ok(new BuildingBoard(building.Code, building.Name, entries.AsList()));
    }

    // Dapper binds text[] to settable properties, not to a positional record's string[] parameter.
    private sealed class PersonRow
    {
        public Guid HouseholdId { get; init; }
        public required string Name { get; init; }
        public int? BirthYear { get; init; }
        public required string[] Care { get; init; }
    }

    private sealed class BuildingRow
    {
        public required string Code { get; init; }
        public required string Name { get; init; }
        public required string[] Path { get; init; }
    }

    private static ValidationProblem UnderRequired() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["under"] = ["The grid-tree node to list under is required."] });

    [GeneratedRegex(@"^[0-9-]{5,20}$")]
    private static partial Regex OfficePhone();

    [GeneratedRegex(@"^1[3-9][0-9]{9}$")]
    private static partial Regex MobilePhone();
}
