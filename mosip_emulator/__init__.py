"""mosip_emulator"""
