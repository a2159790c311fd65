// The index order `torch.sort(values, descending=True)` gives on CPU. Torch's unstable sort is libstdc++ `std::sort`
// on (value, index) pairs compared by value alone, so equal values come out in introsort's order, not by index:
// EPLB's tie order depends on it. This ports libstdc++'s introsort step for step: median-of-3 quicksort down to runs
// of 16, heapsort below 2·⌊log2 n⌋ levels, then insertion sort.

const RUN = 16;

/** Indices of `values` from largest to smallest value, equal values in the order torch's CPU sort leaves them. */
export function torchSortDescending(values: ArrayLike<number>): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  // `a` goes before `b`: the descending comparator `a.value > b.value`.
  const before = (a: number, b: number) => values[a]! > values[b]!;
  const swap = (i: number, j: number) => {
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  };

  function moveMedianToFirst(result: number, a: number, b: number, c: number): void {
    const [oa, ob, oc] = [order[a]!, order[b]!, order[c]!];
    if (before(oa, ob)) {
      if (before(ob, oc)) swap(result, b);
      else if (before(oa, oc)) swap(result, c);
      else swap(result, a);
    } else if (before(oa, oc)) swap(result, a);
    else if (before(ob, oc)) swap(result, c);
    else swap(result, b);
  }

  function partitionAroundFirst(first: number, last: number): number {
    const mid = first + Math.floor((last - first) / 2);
    moveMedianToFirst(first, first + 1, mid, last - 1);
    const pivot = order[first]!;
    let lo = first + 1;
    let hi = last;
    for (;;) {
      while (before(order[lo]!, pivot)) lo++;
      hi--;
      while (before(pivot, order[hi]!)) hi--;
      if (!(lo < hi)) return lo;
      swap(lo, hi);
      lo++;
    }
  }

  // Heap helpers over order[first .. first+len), as libstdc++'s __adjust_heap / __push_heap.
  function adjustHeap(first: number, hole: number, len: number, value: number): void {
    const top = hole;
    let child = hole;
    while (child < Math.floor((len - 1) / 2)) {
      child = 2 * (child + 1);
      if (before(order[first + child]!, order[first + child - 1]!)) child--;
      order[first + hole] = order[first + child]!;
      hole = child;
    }
    if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
      child = 2 * (child + 1);
      order[first + hole] = order[first + child - 1]!;
      hole = child - 1;
    }
    let parent = Math.floor((hole - 1) / 2);
    while (hole > top && before(order[first + parent]!, value)) {
      order[first + hole] = order[first + parent]!;
      hole = parent;
      parent = Math.floor((hole - 1) / 2);
    }
    order[first + hole] = value;
  }

  function heapSort(first: number, last: number): void {
    const len = last - first;
    if (len >= 2) for (let parent = Math.floor((len - 2) / 2); parent >= 0; parent--) adjustHeap(first, parent, len, order[first + parent]!);
    for (let end = last - 1; end - first >= 1; end--) {
      const value = order[end]!;
      order[end] = order[first]!;
      adjustHeap(first, 0, end - first, value);
    }
  }

  function introsortLoop(first: number, last: number, depthLimit: number): void {
    while (last - first > RUN) {
      if (depthLimit === 0) {
        heapSort(first, last);
        return;
      }
      depthLimit--;
      const cut = partitionAroundFirst(first, last);
      introsortLoop(cut, last, depthLimit);
      last = cut;
    }
  }

  // Shifts order[i] left past the elements it goes before; with i > first it first checks against order[first]
  // (guarded), with i == first it relies on an element it does not go before lying to its left (unguarded).
  function linearInsert(i: number, first: number): void {
    const value = order[i]!;
    if (i > first && before(value, order[first]!)) {
      order.copyWithin(first + 1, first, i);
      order[first] = value;
      return;
    }
    let hole = i;
    while (before(value, order[hole - 1]!)) {
      order[hole] = order[hole - 1]!;
      hole--;
    }
    order[hole] = value;
  }

  const n = order.length;
  if (n > 1) {
    introsortLoop(0, n, 2 * (31 - Math.clz32(n)));
    // libstdc++'s final insertion sort: guarded over the first 16, unguarded after (a smaller element lies within them).
    for (let i = 1; i < Math.min(n, RUN); i++) linearInsert(i, 0);
    for (let i = RUN; i < n; i++) linearInsert(i, i);
  }
  return order;
}
