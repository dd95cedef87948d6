// Building the page from data without ever parsing data as HTML: every value becomes a text node,
// so a label, path or audit entry can never run as script.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// A table: `columns` are [heading, row => cell]; `rowAttrs(row)` adds attributes to a row.
export function table(columns, rows, rowAttrs = () => ({})) {
  return el('table', {},
    el('thead', {}, el('tr', {}, columns.map(([heading]) => el('th', {}, heading)))),
    el('tbody', {}, rows.map(row =>
      el('tr', rowAttrs(row), columns.map(([, cell]) => el('td', {}, cell(row)))))));
}

export function summary(items) {
  return el('div', { class: 'card summary' }, items.map(([label, value, cls]) =>
    el('div', {}, el('span', { class: 'label' }, label), el('span', { class: 'value ' + (cls || '') }, value))));
}
