using System.Data;
using Dapper;

namespace GovPlatform.Volunteer.Extensions;

/// <summary>
/// Contracts run from a date to a date (no time of day, no zone): <c>date</c> columns read and written as <see cref="DateOnly"/>.
/// Npgsql returns a <c>date</c> as a DateTime through the untyped path Dapper reads by, hence the conversion here.
/// </summary>
public sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
{
    public override void SetValue(IDbDataParameter parameter, DateOnly value)
    {
        parameter.DbType = DbType.Date;
        parameter.Value = value;
    }

    public override DateOnly Parse(object value) => value switch
    {
        DateOnly d => d,
        DateTime t => DateOnly.FromDateTime(t),
        _ => throw new DataException($"Cannot read a {value.GetType().Name} as a date."),
    };
}
