using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sluice.Data.Postgres.Migrations
{
    /// <summary>
    /// What appends are checked against: which query a stream is the output of (only that query writes it),
    /// and the idempotency keys of postgres streams with the answers they got (SPEC §7).
    /// </summary>
    public partial class AppendGuards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "output_of",
                table: "streams",
                type: "character varying(63)",
                maxLength: 63,
                nullable: true);

            // Written by the append hot path through Npgsql in the events' own transaction (AppendKeyTable),
            // so not part of the EF model. created_at is indexed for the pruner's range delete.
            migrationBuilder.Sql("""
                CREATE TABLE idempotency_keys (
                    stream character varying(63) NOT NULL,
                    key character varying(128) NOT NULL,
                    request_hash bytea NOT NULL,
                    first_offset bigint NOT NULL,
                    count integer NOT NULL,
                    created_at timestamptz NOT NULL,
                    CONSTRAINT pk_idempotency_keys PRIMARY KEY (stream, key)
                );
                CREATE INDEX ix_idempotency_keys_created_at ON idempotency_keys (created_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE idempotency_keys;");
            migrationBuilder.DropColumn(
                name: "output_of",
                table: "streams");
        }
    }
}
