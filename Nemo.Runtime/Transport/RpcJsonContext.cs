using System.Text.Json;
using System.Text.Json.Serialization;
using Nemo.Grains.Spend;

namespace Nemo.Runtime.Transport;

/// <summary>Source-generated JSON for silo calls: no reflection on the request path.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = false)]
[JsonSerializable(typeof(AuthorizeRequest))]
[JsonSerializable(typeof(AuthorizeResult))]
[JsonSerializable(typeof(SettleRequest))]
[JsonSerializable(typeof(SettleReply))]
[JsonSerializable(typeof(ReleaseRequest))]
[JsonSerializable(typeof(AckReply))]
[JsonSerializable(typeof(CreditsQuery))]
[JsonSerializable(typeof(CreditsReply))]
[JsonSerializable(typeof(BudgetQuery))]
[JsonSerializable(typeof(BudgetReply))]
[JsonSerializable(typeof(RefreshCommand))]
[JsonSerializable(typeof(DeactivateOrganizationCommand))]
[JsonSerializable(typeof(ReassertRequest))]
internal sealed partial class RpcJsonContext : JsonSerializerContext;
