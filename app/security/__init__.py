"""app/security"""
