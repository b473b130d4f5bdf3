using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sluice.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class CreateCatalog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "streams",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    storage = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    timestamp_field = table.Column<string>(type: "text", nullable: true),
                    watermark_delay = table.Column<TimeSpan>(type: "interval", nullable: false),
                    capacity = table.Column<int>(type: "integer", nullable: true),
                    schema = table.Column<string>(type: "jsonb", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_streams", x => x.name);
                });

            // Event tables live in their own schema; this trigger function makes them append-only
            // at the database: no code path (ours or a user's SQL) can rewrite or erase single events.
            migrationBuilder.Sql("""
                CREATE SCHEMA sluice_events;
                CREATE FUNCTION sluice_events.reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'events of stream % are append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'restrict_violation';
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP SCHEMA sluice_events CASCADE;");
            migrationBuilder.DropTable(
                name: "streams");
        }
    }
}
