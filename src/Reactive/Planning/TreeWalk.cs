namespace Sluice.Reactive.Planning;

/// <summary>The one walk over the planner's trees (plan nodes, bound expressions).</summary>
internal static class TreeWalk
{
    /// <summary>
    /// Every node of the tree under <paramref name="root"/>, itself first, each node before its children (the last child's
    /// subtree first). Iterative, so a deep tree does not overflow the stack.
    /// </summary>
    public static IEnumerable<T> PreOrder<T>(T root, Func<T, IEnumerable<T>> children)
    {
        var stack = new Stack<T>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            foreach (var child in children(node)) stack.Push(child);
        }
    }
}
