"""The order of a day's stops that makes the shortest way from a start point through all of
them (an open path: the day ends at the last stop), by OR-Tools' routing solver over
geodesic distances in metres."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from geo.distance import distance_m

Point = tuple[float, float]  # lon, lat


def path_length(start: Point, stops: Sequence[Point], order: Sequence[int]) -> float:
    """Metres from the start through the stops in this order."""
    here, total = start, 0.0
    for k in order:
        total += distance_m(*here, *stops[k])
        here = stops[k]
    return total


def shortest_order(
    start: Point, stops: Sequence[Point], *, time_limit_ms: int | None = None
) -> list[int]:
    """Indexes of ``stops`` in the order to visit them."""
    n = len(stops)
    if n <= 1:
        return list(range(n))
    points = [start, *stops]
    end = n + 1  # a node at no distance from any: the path ends wherever is best

    def metres(i: int, j: int) -> int:
        if j == end or i == end:
            return 0
        return round(distance_m(*points[i], *points[j]))

    matrix = [[metres(i, j) for j in range(n + 2)] for i in range(n + 2)]
    manager = pywrapcp.RoutingIndexManager(n + 2, 1, [0], [end])
    routing = pywrapcp.RoutingModel(manager)

    def cost(a: int, b: int) -> int:
        return int(matrix[manager.IndexToNode(a)][manager.IndexToNode(b)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(time_limit_ms or min(3000, 100 + 20 * n))
    solution = routing.SolveWithParameters(params)
    if solution is None:  # cannot happen for a complete graph; keep the given order
        return list(range(n))
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if 1 <= node <= n:
            order.append(node - 1)
        index = solution.Value(routing.NextVar(index))
    return order
