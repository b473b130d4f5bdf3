using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sluice.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AddDurableQueries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "queries",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    sql = table.Column<string>(type: "text", nullable: false),
                    start_from = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    start_offsets = table.Column<long[]>(type: "bigint[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_queries", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "query_checkpoints",
                columns: table => new
                {
                    query = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    format_version = table.Column<int>(type: "integer", nullable: false),
                    input_offsets = table.Column<long[]>(type: "bigint[]", nullable: false),
                    output_head = table.Column<long>(type: "bigint", nullable: false),
                    journal_sequence = table.Column<long>(type: "bigint", nullable: false),
                    state = table.Column<byte[]>(type: "bytea", nullable: false),
                    taken_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_query_checkpoints", x => x.query);
                });

            migrationBuilder.CreateTable(
                name: "query_journal",
                columns: table => new
                {
                    query = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    input = table.Column<int>(type: "integer", nullable: false),
                    end_offset = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_query_journal", x => new { x.query, x.sequence });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "queries");

            migrationBuilder.DropTable(
                name: "query_checkpoints");

            migrationBuilder.DropTable(
                name: "query_journal");
        }
    }
}
