using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Deliberation;

/// <summary>
/// Intake filed a meeting's need: the meeting shows the request it became. Setting the same values again is
/// harmless, so a redelivery changes nothing.
/// </summary>
public sealed class MeetingNeedFiledConsumer(NpgsqlDataSource db) : InboxConsumer<MeetingNeedFiled>(db)
{
    protected override Task HandleAsync(ConsumeContext<MeetingNeedFiled> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        return tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE meeting_items SET request_id = @RequestId, ticket_no = @TicketNo, filed_status = @Status
            WHERE id = @NeedId AND kind = 'need'
            """, new { m.RequestId, m.TicketNo, m.Status, m.NeedId }, tx, cancellationToken: context.CancellationToken));
    }
}
