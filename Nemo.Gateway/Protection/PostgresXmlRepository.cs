using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Protection;

/// <summary>
/// Data Protection's key ring in Nemo's PostgreSQL (<c>nemo.data_protection_keys</c>), so every gateway
/// protects and unprotects with the same keys. The interface is synchronous (Data Protection reads its
/// ring rarely, at start and when keys roll), hence the blocking calls. ASP.NET Core ships this only
/// for Entity Framework, which Nemo doesn't use.
/// </summary>
internal sealed class PostgresXmlRepository(NemoDatabase database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using NpgsqlCommand command = database.DataSource.CreateCommand("SELECT xml FROM nemo.data_protection_keys ORDER BY created_at");
        using NpgsqlDataReader reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
            elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using NpgsqlCommand command = database.DataSource.CreateCommand(
            "INSERT INTO nemo.data_protection_keys (friendly_name, xml) VALUES (@name, @xml) ON CONFLICT (friendly_name) DO NOTHING");
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
