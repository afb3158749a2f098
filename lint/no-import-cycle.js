// @ts-check
/**
 * house/no-import-cycle: an import (of values or only of types) whose target leads back to the
 * importing file. Dependencies point one way (DESIGN.md), types included: a type-only circle
 * still ties the modules together, and is one `import type` -> `import` away from a runtime one.
 * eslint-plugin-import's and import-x's no-cycle skip type-only imports, hence this rule.
 *
 * Modules are resolved by TypeScript itself (ts.resolveModuleName with the project's compiler
 * options), so what the rule follows is what tsc compiles. Packages are not followed.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const ts = require('typescript');

/** @type {Map<string, import('typescript').CompilerOptions>} */
const optionsByProject = new Map();

/** @param {string} project */
function compilerOptions(project) {
  let options = optionsByProject.get(project);
  if (options === undefined) {
    const read = ts.readConfigFile(project, ts.sys.readFile);
    if (read.error) throw new Error(`no-import-cycle: cannot read ${project}`);
    options = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(project)).options;
    optionsByProject.set(project, options);
  }
  return options;
}

/**
 * The project file `specifier` names from `from`, or null for a package or an unresolved name.
 * @param {string} specifier
 * @param {string} from
 * @param {import('typescript').CompilerOptions} options
 */
function resolveModule(specifier, from, options) {
  const resolved = ts.resolveModuleName(specifier, from, options, ts.sys).resolvedModule;
  if (resolved === undefined || resolved.isExternalLibraryImport) return null;
  return path.resolve(resolved.resolvedFileName);
}

/** Per file, by modification time: the project files it imports (any kind of import). */
/** @type {Map<string, { mtimeMs: number; deps: string[] }>} */
const graph = new Map();

/**
 * @param {string} file
 * @param {import('typescript').CompilerOptions} options
 */
function dependencies(file, options) {
  let mtimeMs;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const cached = graph.get(file);
  if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached.deps;
  // Imports, `import type`, re-exports, `import x = require()`, require() and import().
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const deps = [];
  for (const ref of importedFiles) {
    const target = resolveModule(ref.fileName, file, options);
    if (target !== null && !deps.includes(target)) deps.push(target);
  }
  graph.set(file, { mtimeMs, deps });
  return deps;
}

/**
 * The shortest chain of imports from `start` back to `goal` (both included), or null.
 * @param {string} start
 * @param {string} goal
 * @param {import('typescript').CompilerOptions} options
 */
function routeBack(start, goal, options) {
  /** @type {Map<string, string | null>} */
  const cameFrom = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = /** @type {string} */ (queue.shift());
    for (const next of dependencies(file, options)) {
      if (next === goal) {
        const route = [goal];
        for (let f = /** @type {string | null} */ (file); f !== null; f = cameFrom.get(f) ?? null)
          route.unshift(f);
        return route;
      }
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, file);
      queue.push(next);
    }
  }
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid imports, type-only ones included, that lead back to the importing file' },
    schema: [
      {
        type: 'object',
        properties: { project: { type: 'string', description: 'absolute path of the tsconfig.json' } },
        required: ['project'],
        additionalProperties: false,
      },
    ],
    messages: { cycle: 'Import cycle: {{route}}' },
  },
  create(context) {
    const options = compilerOptions(context.options[0].project);
    const file = path.resolve(context.physicalFilename);
    const root = path.dirname(context.options[0].project);
    const show = (/** @type {string} */ f) => path.relative(root, f);

    /** @param {import('estree').Node} node @param {unknown} source */
    function check(node, source) {
      if (typeof source !== 'string') return;
      const target = resolveModule(source, file, options);
      if (target === null || target === file) return;
      const route = routeBack(target, file, options);
      if (route !== null)
        context.report({
          node,
          messageId: 'cycle',
          data: { route: [file, ...route].map(show).join(' -> ') },
        });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => check(node, node.source?.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
      /** @param {any} node TSImportEqualsDeclaration (not in estree's types) */
      TSImportEqualsDeclaration(node) {
        const ref = node.moduleReference;
        if (ref.type === 'TSExternalModuleReference') check(node, ref.expression.value);
      },
    };
  },
};

module.exports = { rules: { 'no-import-cycle': rule } };
