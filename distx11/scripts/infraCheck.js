#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.mainBicep = exports.repoRoot = exports.bicepVersion = void 0;
exports.nugetRid = nugetRid;
exports.nugetBicepPath = nugetBicepPath;
exports.bicepCandidates = bicepCandidates;
exports.findBicep = findBicep;
exports.installBicepFromNuGet = installBicepFromNuGet;
exports.parseDiagnostics = parseDiagnostics;
exports.buildMain = buildMain;
exports.buildCacheFile = buildCacheFile;
exports.storeBuild = storeBuild;
exports.buildMainCached = buildMainCached;
exports.lintMain = lintMain;
/**
 * `npm run infra:check [-- --install]`: compiles and lints `infra/main.bicep` with the real Bicep CLI,
 * offline (the infrastructure references no registry module), and fails on any diagnostic: every
 * compiler or linter warning counts as an error. A deliberate exception is a `#disable-next-line <rule>`
 * in the Bicep file with its reason in a comment next to it (the Bicep CLI then reports nothing).
 *
 * Which Bicep CLI: with `--install` the pinned NuGet package (installed first if missing); otherwise
 * `BICEP_PATH`, else `bicep` on PATH, else the one the Azure CLI installs
 * (`~/.azure/bin/bicep`), else the one azd installs (`~/.azd/bin/bicep`), else the pinned NuGet
 * package `Azure.Bicep.CommandLine.<rid>` {@link bicepVersion} in the NuGet cache (`--install` puts
 * it there with `dotnet restore`; the package holds the binary under `tools/`).
 *
 * Without a Bicep CLI: in CI (`CI=true`) exit 1, the check can never be skipped there; elsewhere it
 * prints plainly that it did NOT run and exits 0.
 *
 * Exit codes: 0 built and linted without any diagnostic (or not run outside CI, said so); 1 a
 * diagnostic, a failed build, or no CLI in CI; 2 usage error.
 */
const node_child_process_1 = require("node:child_process");
const node_crypto_1 = require("node:crypto");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
/** The Bicep CLI version CI installs from NuGet (Azure.Bicep.CommandLine.<rid>). */
exports.bicepVersion = '0.49.2';
/** Repository root. Works from `scripts/` (ts-jest/swc) and from `dist/scripts/` (compiled). */
exports.repoRoot = (0, node_fs_1.existsSync)((0, node_path_1.join)(__dirname, '..', 'package.json')) ? (0, node_path_1.join)(__dirname, '..') : (0, node_path_1.join)(__dirname, '..', '..');
/** The template `azd` deploys (subscription scope). */
exports.mainBicep = (0, node_path_1.join)(exports.repoRoot, 'infra', 'main.bicep');
/** NuGet runtime identifier of this machine, e.g. `linux-x64`, `osx-arm64`, `win-x64`. */
function nugetRid(platform = process.platform, arch = process.arch) {
    const os = platform === 'win32' ? 'win' : platform === 'darwin' ? 'osx' : 'linux';
    return `${os}-${arch === 'arm64' ? 'arm64' : 'x64'}`;
}
/** Where `--install` (and `.ci/run`) puts the pinned CLI: the NuGet global packages folder. */
function nugetBicepPath(env = process.env) {
    const packages = env.NUGET_PACKAGES ?? (0, node_path_1.join)((0, node_os_1.homedir)(), '.nuget', 'packages');
    const exe = process.platform === 'win32' ? 'bicep.exe' : 'bicep';
    return (0, node_path_1.join)(packages, `azure.bicep.commandline.${nugetRid()}`, exports.bicepVersion, 'tools', exe);
}
/** Every place looked at, in order, with a label. */
function bicepCandidates(env = process.env) {
    const exe = process.platform === 'win32' ? 'bicep.exe' : 'bicep';
    const found = [];
    if (env.BICEP_PATH)
        found.push({ path: env.BICEP_PATH, source: 'BICEP_PATH' });
    for (const dir of (env.PATH ?? '').split(node_path_1.delimiter).filter(Boolean))
        found.push({ path: (0, node_path_1.join)(dir, exe), source: 'PATH' });
    found.push({ path: (0, node_path_1.join)((0, node_os_1.homedir)(), '.azure', 'bin', exe), source: 'Azure CLI (az bicep install)' });
    found.push({ path: (0, node_path_1.join)((0, node_os_1.homedir)(), '.azd', 'bin', exe), source: 'Azure Developer CLI' });
    found.push({ path: nugetBicepPath(env), source: `NuGet Azure.Bicep.CommandLine.${nugetRid()} ${exports.bicepVersion}` });
    return found;
}
/**
 * The first Bicep CLI that exists, or undefined. It is not run here (the CLI takes seconds to start);
 * a file that is not a working CLI fails the first build or lint with the CLI's own error.
 */
function findBicep(env = process.env) {
    return bicepCandidates(env).find((candidate) => (0, node_fs_1.existsSync)(candidate.path) && (0, node_fs_1.statSync)(candidate.path).isFile());
}
/**
 * Installs the pinned CLI into the NuGet cache with the .NET SDK: a throw-away project in a temp
 * directory whose only item is a `PackageDownload` of `Azure.Bicep.CommandLine.<rid>` (no target
 * framework assets are used, the package is just downloaded and extracted). Returns the binary.
 * Throws when `dotnet restore` fails (no SDK, no NuGet access).
 */
function installBicepFromNuGet(env = process.env) {
    const target = nugetBicepPath(env);
    if (!(0, node_fs_1.existsSync)(target)) {
        const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'bicep-nuget-'));
        try {
            (0, node_fs_1.writeFileSync)((0, node_path_1.join)(dir, 'download.csproj'), `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Azure.Bicep.CommandLine.${nugetRid()}" Version="[${exports.bicepVersion}]" /></ItemGroup>
</Project>
`);
            (0, node_child_process_1.execFileSync)('dotnet', ['restore', (0, node_path_1.join)(dir, 'download.csproj'), '--nologo', '--verbosity', 'minimal'], { stdio: 'inherit', env });
        }
        finally {
            (0, node_fs_1.rmSync)(dir, { recursive: true, force: true });
        }
    }
    if (!(0, node_fs_1.existsSync)(target))
        throw new Error(`dotnet restore finished but ${target} is missing`);
    // NuGet extracts without the executable bit on some systems.
    if (process.platform !== 'win32')
        (0, node_fs_1.chmodSync)(target, 0o755);
    return target;
}
/** Parses the text diagnostics the Bicep CLI writes to stderr: `file(line,col) : Level code: message`. */
function parseDiagnostics(stderr) {
    const found = [];
    for (const line of stderr.split(/\r?\n/)) {
        const m = /^(.*\(\d+,\d+\)) : (Error|Warning|Info) ([\w-]+): (.*)$/.exec(line.trim());
        if (m)
            found.push({ location: m[1], level: m[2], code: m[3], message: m[4] });
    }
    return found;
}
/**
 * `bicep build infra/main.bicep --stdout`: the compiled ARM template (JSON; expressions stay strings
 * such as "[parameters('x')]"). Throws with the CLI's output when the build fails.
 */
function buildMain(bicep, file = exports.mainBicep) {
    const r = (0, node_child_process_1.spawnSync)(bicep, ['build', file, '--stdout'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    if (r.status !== 0)
        throw new Error(`bicep build ${file} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
    return { template: JSON.parse(r.stdout), diagnostics: parseDiagnostics(r.stderr) };
}
/**
 * Where {@link buildMainCached} keeps a compiled `infra/main.bicep`: `node_modules/.cache/infra-check/`,
 * keyed by SHA-256 of the CLI binary's path, size and modification time and of every file under
 * infra/ with its path (so another CLI or any edit of the infrastructure misses the cache).
 */
function buildCacheFile(bicep) {
    const hash = (0, node_crypto_1.createHash)('sha256');
    const exe = (0, node_fs_1.statSync)(bicep);
    hash.update(`${bicep}\0${exe.size}\0${exe.mtimeMs}\0`);
    const walk = (dir) => {
        for (const entry of (0, node_fs_1.readdirSync)(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = (0, node_path_1.join)(dir, entry.name);
            if (entry.isDirectory())
                walk(full);
            else
                hash
                    .update(`${full.slice(exports.repoRoot.length)}\0`)
                    .update((0, node_fs_1.readFileSync)(full))
                    .update('\0');
        }
    };
    walk((0, node_path_1.join)(exports.repoRoot, 'infra'));
    return (0, node_path_1.join)(exports.repoRoot, 'node_modules', '.cache', 'infra-check', `${hash.digest('hex')}.json`);
}
/** Stores a diagnostic-free build of infra/main.bicep for {@link buildMainCached}. */
function storeBuild(bicep, built) {
    if (built.diagnostics.length)
        return;
    const file = buildCacheFile(bicep);
    (0, node_fs_1.mkdirSync)((0, node_path_1.dirname)(file), { recursive: true });
    (0, node_fs_1.writeFileSync)(`${file}.${process.pid}.tmp`, JSON.stringify(built.template));
    (0, node_fs_1.renameSync)(`${file}.${process.pid}.tmp`, file);
}
/**
 * {@link buildMain} of `infra/main.bicep`, reusing the result `npm run infra:check` (run by CI before
 * the tests) or an earlier call stored for the same CLI and the same infra/ files
 * ({@link buildCacheFile}): the Bicep CLI takes seconds to start.
 */
function buildMainCached(bicep) {
    const file = buildCacheFile(bicep);
    if ((0, node_fs_1.existsSync)(file))
        return { template: JSON.parse((0, node_fs_1.readFileSync)(file, 'utf8')), diagnostics: [] };
    const built = buildMain(bicep);
    storeBuild(bicep, built);
    return built;
}
/** `bicep lint <file> --diagnostics-format sarif`: every linter and compiler diagnostic. */
function lintMain(bicep, file = exports.mainBicep) {
    const r = (0, node_child_process_1.spawnSync)(bicep, ['lint', file, '--diagnostics-format', 'sarif'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 300_000,
    });
    if (r.status !== 0 && !r.stdout.trim().startsWith('{'))
        throw new Error(`bicep lint ${file} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
    const sarif = JSON.parse(r.stdout);
    return sarif.runs.flatMap((run) => (run.results ?? []).map((result) => {
        const where = result.locations?.[0]?.physicalLocation;
        return {
            code: result.ruleId,
            // SARIF's default level is "warning".
            level: result.level ?? 'warning',
            message: result.message.text,
            location: `${where?.artifactLocation?.uri ?? '?'}:${where?.region?.startLine ?? '?'}`,
        };
    }));
}
function main(argv) {
    const unknown = argv.filter((a) => a !== '--install');
    if (unknown.length) {
        console.error(`usage: npm run infra:check [-- --install]   (unknown: ${unknown.join(' ')})`);
        return 2;
    }
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    let cli;
    if (argv.includes('--install')) {
        // CI: always the pinned version, whatever else is on PATH.
        if (!(0, node_fs_1.existsSync)(nugetBicepPath()))
            console.log(`infra:check: installing Azure.Bicep.CommandLine.${nugetRid()} ${exports.bicepVersion} from NuGet`);
        cli = { path: installBicepFromNuGet(), source: `NuGet Azure.Bicep.CommandLine.${nugetRid()} ${exports.bicepVersion}` };
    }
    else {
        cli = findBicep();
    }
    if (!cli) {
        const looked = bicepCandidates()
            .filter((c) => c.source !== 'PATH')
            .map((c) => `${c.source}: ${c.path}`)
            .join('\n  ');
        if (ci) {
            console.error(`infra:check FAILED: no Bicep CLI, and CI must compile the infrastructure. Looked on PATH and at\n  ${looked}\nRun \`npm run infra:check -- --install\` (needs the .NET SDK and NuGet).`);
            return 1;
        }
        console.log(`infra:check did NOT run: no Bicep CLI found (PATH and\n  ${looked}).\nInstall one with \`npm run infra:check -- --install\` (.NET SDK), \`az bicep install\` or azd, or set BICEP_PATH.`);
        return 0;
    }
    const version = (0, node_child_process_1.execFileSync)(cli.path, ['--version'], { encoding: 'utf8' }).trim();
    console.log(`infra:check: ${version} (${cli.source}: ${cli.path})`);
    console.log(`$ bicep build ${exports.mainBicep} --stdout`);
    // Always a fresh build here (this is the check); a clean result is stored for the tests' reuse.
    const built = buildMain(cli.path);
    storeBuild(cli.path, built);
    const resources = JSON.stringify(built.template).match(/"type":"Microsoft\.[^"]+"/g)?.length ?? 0;
    console.log(`  compiled: ${Object.keys((built.template.outputs ?? {})).length} outputs, ${resources} resource declarations, ${built.diagnostics.length} diagnostics`);
    console.log(`$ bicep lint ${exports.mainBicep} --diagnostics-format sarif`);
    const linted = lintMain(cli.path);
    console.log(`  linted: ${linted.length} diagnostics`);
    const all = [...built.diagnostics, ...linted];
    for (const d of all)
        console.error(`  ${d.level} ${d.code} at ${d.location}: ${d.message}`);
    if (all.length) {
        console.error(`infra:check FAILED: ${all.length} diagnostics (every warning counts; suppress one only with #disable-next-line and its reason).`);
        return 1;
    }
    console.log('infra:check passed: bicep build and bicep lint of infra/main.bicep report no errors and no warnings.');
    return 0;
}
if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    }
    catch (error) {
        console.error(`infra:check FAILED: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    }
}
//# sourceMappingURL=infraCheck.js.map