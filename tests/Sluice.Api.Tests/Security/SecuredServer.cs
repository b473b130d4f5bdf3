using System.IdentityModel.Tokens.Jwt;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.Tokens;
using Sluice.Api.Auth;
using Sluice.Api.Tests.Live;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// The service on Kestrel at 127.0.0.1 with API keys and a JWT issuer configured, so every call needs a credential.
/// Keys are named after what they hold; <see cref="Other"/> holds scopes on unrelated names only.
/// </summary>
public class SecuredServer(IDictionary<string, string?>? extra = null) : LiveServer(Settings(extra))
{
    public const string Admin = "admin-secret-0123456789";
    public const string Reader = "reader-secret-0123456789";
    public const string Writer = "writer-secret-0123456789";
    public const string Manager = "manager-secret-0123456789";
    public const string Registrar = "registrar-secret-0123456789";
    public const string Other = "other-secret-0123456789";
    public const string Hashed = "hashed-secret-0123456789";
    public const string SigningKey = "sluice-tests-signing-key-of-at-least-32-bytes";
    public const string Issuer = "https://issuer.sluice.test";
    public const string Audience = "sluice";

    private static Dictionary<string, string?> Settings(IDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Keys:admin:Secret"] = Admin,
            ["Auth:Keys:admin:Scopes"] = "admin",
            ["Auth:Keys:reader:Secret"] = Reader,
            ["Auth:Keys:reader:Scopes"] = "read:t_*",
            ["Auth:Keys:writer:Secret"] = Writer,
            ["Auth:Keys:writer:Scopes"] = "write:t_*",
            ["Auth:Keys:manager:Secret"] = Manager,
            ["Auth:Keys:manager:Scopes"] = "manage:t_*",
            ["Auth:Keys:registrar:Secret"] = Registrar,
            ["Auth:Keys:registrar:Scopes"] = "manage:t_q* read:t_src",
            ["Auth:Keys:other:Secret"] = Other,
            ["Auth:Keys:other:Scopes"] = "read:zz write:zz manage:zz",
            ["Auth:Keys:hashed:Sha256"] = ApiKeys.Hash(Hashed).ToLowerInvariant(),
            ["Auth:Keys:hashed:Scopes"] = "read:t_src",
            ["Auth:Jwt:SigningKey"] = SigningKey,
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return settings;
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public HubConnection Hub(string? token) =>
        new HubConnectionBuilder()
            .WithUrl(HubUrl, o =>
            {
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();

    public static string Jwt(string scopes, DateTime? expires = null, string signingKey = SigningKey, string audience = Audience, string issuer = Issuer)
    {
        var notBefore = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-10);
        var token = new JwtSecurityToken(
            issuer,
            audience,
            [new Claim("sub", "tester"), new Claim("scope", scopes)],
            notBefore,
            expires ?? DateTime.UtcNow.AddMinutes(5),
            new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
