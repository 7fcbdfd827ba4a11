using System;
using GovPlatform.Identity.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GovPlatform.Identity.Data.Migrations
{
    /// <summary>
    /// Ties a staff account to the worker it is in dispatch's roster (the <c>worker_id</c> claim), so an account's
    /// subject no longer has to be the worker's id for their orders to be theirs.
    /// </summary>
    [DbContext(typeof(IdentityDb))]
    [Migration("20261207040000_StaffWorkerId")]
    public partial class StaffWorkerId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "WorkerId",
                table: "AspNetUsers",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WorkerId",
                table: "AspNetUsers");
        }
    }
}
