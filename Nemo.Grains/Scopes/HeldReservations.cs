using Nemo.Grains.Spend;

namespace Nemo.Grains.Scopes;

/// <summary>A grain's reservations as persisted when it deactivates, so they move with it.</summary>
internal sealed class HeldReservations
{
    public List<Reservation> Items { get; set; } = [];
}
