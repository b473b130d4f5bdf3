using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sluice.Data.Postgres.Migrations
{
    /// <summary>
    /// Replace (PUT /api/queries/{name}): where the current run's rows begin in the output stream (after the
    /// <c>reset</c> event), and each input's head when the run started (backfill progress).
    /// </summary>
    public partial class AddQueryReplace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "output_start",
                table: "queries",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long[]>(
                name: "backfill_until",
                table: "queries",
                type: "bigint[]",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "output_start",
                table: "queries");

            migrationBuilder.DropColumn(
                name: "backfill_until",
                table: "queries");
        }
    }
}
