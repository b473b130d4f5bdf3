using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Joined rows built straight into the SELECT list's columns (<see cref="JoinRows"/>): columns taken in any order,
/// skipping some, from either side, with the missing side of a padded row as NULLs.
/// </summary>
public sealed class JoinRowsTests
{
    private static readonly object?[] Left = ["l0", "l1", "l2", "l3"];
    private static readonly object?[] Right = ["r0", "r1", "r2"];

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3, 4, 5, 6 }, "l0,l1,l2,l3,r0,r1,r2")]
    [InlineData(new[] { 0, 2, 3 }, "l0,l2,l3")]
    [InlineData(new[] { 1, 0 }, "l1,l0")]
    [InlineData(new[] { 3, 4, 6 }, "l3,r0,r2")]
    [InlineData(new[] { 5, 6, 0, 1 }, "r1,r2,l0,l1")]
    [InlineData(new[] { 2, 2, 3 }, "l2,l2,l3")]
    [InlineData(new[] { 4, 1, 5, 2 }, "r0,l1,r1,l2")]
    public void Each_output_column_holds_the_column_it_names(int[] outputColumns, string expected)
    {
        var rows = new JoinRows(Left.Length, Right.Length, outputColumns);

        Assert.Equal(expected, string.Join(',', rows.Combine(Left, Right)));
    }

    [Fact]
    public void The_missing_side_of_a_padded_row_is_nulls_wherever_its_columns_are_selected()
    {
        var rows = new JoinRows(Left.Length, Right.Length, [5, 0, 2, 6]);

        Assert.Equal(new object?[] { null, "l0", "l2", null }, rows.Combine(Left, null));
        Assert.Equal(new object?[] { "r1", null, null, "r2" }, rows.Combine(null, Right));
    }

    [Fact]
    public void Without_a_select_list_a_row_is_every_left_column_then_every_right_one()
    {
        var rows = new JoinRows(Left.Length, Right.Length);

        Assert.Equal(new object?[] { "l0", "l1", "l2", "l3", "r0", "r1", "r2" }, rows.Combine(Left, Right));
        Assert.Equal(new object?[] { "l0", "l1", "l2", "l3", "r0", "r1", "r2" }, rows.Scratch(Left, Right));
    }
}
