# Build trayapp for Windows: the PyInstaller one-folder bundle, then the Inno Setup installer.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs: Python 3.11+ from python.org (py launcher), Inno Setup 6 (iscc.exe on PATH or in its
# default folder). Outputs: build\windows\dist\trayapp\ and dist\trayapp-<version>-windows-setup.exe.
# NOT RUN in the project's CI (Linux only): written from the PyInstaller and Inno Setup manuals.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$version = (Select-String -Path trayapp\__init__.py -Pattern '^__version__ = "(.*)"$').Matches[0].Groups[1].Value
$venv = "build\windows\venv"
if (-not (Test-Path "$venv\Scripts\python.exe")) {
    py -3 -m venv $venv
    & "$venv\Scripts\python.exe" -m pip install --upgrade pip
    & "$venv\Scripts\python.exe" -m pip install "pyinstaller==6.22.3"
}
& "$venv\Scripts\python.exe" -m pip install --force-reinstall --no-deps .
& "$venv\Scripts\python.exe" -m pip install ".[gui]"   # dependencies, when pyproject.toml changed
& "$venv\Scripts\pyinstaller.exe" --noconfirm --distpath build\windows\dist `
    --workpath build\windows\work packaging\trayapp.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
& build\windows\dist\trayapp\trayapp.exe --version   # the frozen app starts at all

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\windows\trayapp.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-Item "dist\trayapp-$version-windows-setup.exe"
