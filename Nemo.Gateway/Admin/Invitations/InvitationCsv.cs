using System.Text;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Http;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Invitations;

/// <summary>
/// Reads a bulk-invitation CSV: a header row naming the columns <c>email</c> (required), <c>role</c>
/// (default member) and <c>team_id</c> (default the inviter's team), then one invitation per row.
/// Quoted fields ("a,b", "say ""hi""") are understood. Every problem is reported with its row number.
/// </summary>
internal static class InvitationCsv
{
    public static (List<InvitationRequest> Rows, List<string> Errors) Parse(string text, int maxRows)
    {
        var rows = new List<InvitationRequest>();
        var errors = new List<string>();
        List<List<string>> records = Records(text.TrimStart('\uFEFF'));
        if (records.Count == 0)
        {
            errors.Add("The CSV is empty; send a header row (email,role,team_id) and one row per invitation.");
            return (rows, errors);
        }
        List<string> header = [.. records[0].Select(h => h.Trim().ToLowerInvariant())];
        int email = header.IndexOf("email"), role = header.IndexOf("role"), team = header.IndexOf("team_id");
        foreach (string unknown in header.Where(h => h is not ("email" or "role" or "team_id")))
            errors.Add($"header: unknown column '{unknown}'; the columns are email, role and team_id.");
        if (email < 0)
            errors.Add("header: the email column is missing; the first row must name the columns, e.g. email,role,team_id.");
        if (errors.Count > 0)
            return (rows, errors);
        if (records.Count - 1 > maxRows)
        {
            errors.Add($"The CSV has {records.Count - 1} invitations; at most {maxRows} are accepted at once (Nemo:Admin:MaxBulkInvitations).");
            return (rows, errors);
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < records.Count; i++)
        {
            List<string> record = records[i];
            string Field(int index) => index >= 0 && index < record.Count ? record[index].Trim() : "";
            int line = i + 1;
            string address = Field(email);
            string roleText = Field(role);
            string teamText = Field(team);
            MemberRole parsedRole = MemberRole.Member;
            Guid? teamId = null;
            if (!Emails.LooksValid(address) || address.Length > Emails.MaxLength)
                errors.Add($"row {line}: email '{address}' is not a valid email address.");
            else if (!seen.Add(address))
                errors.Add($"row {line}: {address} appears more than once in this file.");
            if (roleText.Length > 0 && !MembersApi.TryParseRole(roleText, out parsedRole))
                errors.Add($"row {line}: role must be owner, admin, member or viewer (got '{roleText}').");
            if (teamText.Length > 0)
            {
                if (Guid.TryParse(teamText, out Guid parsedTeam))
                    teamId = parsedTeam;
                else
                    errors.Add($"row {line}: team_id must be a UUID (got '{teamText}').");
            }
            rows.Add(new InvitationRequest(address, parsedRole, teamId));
        }
        if (rows.Count == 0 && errors.Count == 0)
            errors.Add("The CSV has a header but no invitations.");
        return (rows, errors);
    }

    /// <summary>
    /// The column (from the header row, else "csv") of the first cell that isn't valid text (a NUL
    /// character), with the problem; null when every cell is valid.
    /// </summary>
    public static (string Column, string Problem)? InvalidText(string text)
    {
        List<List<string>> records = Records(text.TrimStart('\uFEFF'));
        for (int r = 0; r < records.Count; r++)
        {
            for (int c = 0; c < records[r].Count; c++)
            {
                if (ValidText.Problem(records[r][c]) is not { } problem)
                    continue;
                string column = r > 0 && c < records[0].Count && ValidText.Problem(records[0][c]) is null ? records[0][c].Trim().ToLowerInvariant() : "csv";
                return (column, $"{problem} (row {r + 1})");
            }
        }
        return null;
    }

    /// <summary>RFC 4180 records; blank lines are skipped.</summary>
    private static List<List<string>> Records(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                    quoted = false;
                else
                    field.Append(c);
                continue;
            }
            switch (c)
            {
                case '"':
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndRecord();
                    break;
                default:
                    field.Append(c);
                    any = true;
                    break;
            }
        }
        EndRecord();
        return records;

        void EndRecord()
        {
            if (any || field.Length > 0)
            {
                record.Add(field.ToString());
                records.Add(record);
            }
            record = [];
            field.Clear();
            any = false;
        }
    }
}
