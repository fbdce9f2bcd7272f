using Npgsql;
using NpgsqlTypes;

namespace Nemo.Gateway.Admin.Storage;

/// <summary>A model allow-list as a typed text[] parameter; null (every model) as SQL NULL.</summary>
internal static class ModelListParameter
{
    public static NpgsqlParameter Of(string[]? models) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)models ?? DBNull.Value };
}
